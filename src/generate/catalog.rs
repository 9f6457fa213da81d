//! Fixed catalogues the campus is drawn from: colleges and majors, course name stems,
//! names, provinces, places. All fabricated.

/// How much mathematics a major's curriculum has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Science and engineering: advanced maths.
    Stem,
    /// Economics and management: calculus B.
    Econ,
    /// Humanities, languages, law and arts.
    Arts,
}

/// A major: name, short name for class ids, ASCII code for course ids, field.
pub type Major = (&'static str, &'static str, &'static str, Field);

/// Colleges with their majors; colleges are numbered from 01 in this order.
pub const COLLEGES: &[(&str, &[Major])] = &[
    (
        "计算机科学与技术学院",
        &[
            ("计算机科学与技术", "计科", "CS", Field::Stem),
            ("软件工程", "软工", "SE", Field::Stem),
            ("人工智能", "智能", "AI", Field::Stem),
        ],
    ),
    (
        "经济管理学院",
        &[
            ("会计学", "会计", "AC", Field::Econ),
            ("市场营销", "营销", "MK", Field::Econ),
            ("金融学", "金融", "FN", Field::Econ),
        ],
    ),
    (
        "外国语学院",
        &[
            ("英语", "英语", "EN", Field::Arts),
            ("日语", "日语", "JP", Field::Arts),
            ("翻译", "翻译", "TR", Field::Arts),
        ],
    ),
    ("电子信息工程学院", &[("电子信息工程", "电信", "EE", Field::Stem), ("通信工程", "通信", "TE", Field::Stem)]),
    ("机械工程学院", &[("机械设计制造及其自动化", "机械", "MD", Field::Stem), ("车辆工程", "车辆", "VE", Field::Stem)]),
    ("文学与新闻传播学院", &[("汉语言文学", "汉语", "CL", Field::Arts), ("新闻学", "新闻", "JO", Field::Arts)]),
    ("数学与统计学院", &[("数学与应用数学", "数学", "MA", Field::Stem), ("统计学", "统计", "ST", Field::Stem)]),
    ("法学院", &[("法学", "法学", "LW", Field::Arts)]),
    ("化学与材料学院", &[("应用化学", "应化", "CH", Field::Stem), ("材料科学与工程", "材料", "MS", Field::Stem)]),
    ("土木工程学院", &[("土木工程", "土木", "CE", Field::Stem), ("建筑学", "建筑", "AR", Field::Stem)]),
    ("艺术设计学院", &[("视觉传达设计", "视传", "VD", Field::Arts), ("环境设计", "环设", "ED", Field::Arts)]),
    ("生命科学学院", &[("生物科学", "生科", "BI", Field::Stem), ("生物技术", "生技", "BT", Field::Stem)]),
];

/// Course name stems; a major course is `<major><stem>` and numbered by semester.
pub const COURSE_STEMS: &[&str] = &[
    "导论",
    "基础",
    "原理",
    "方法论",
    "实验",
    "专题研讨",
    "前沿讲座",
    "综合实践",
    "案例分析",
    "研究方法",
    "课程设计",
    "专业英语",
];

/// General courses: id, name, credits in tenths, category, college, semester taken
/// (0 = an elective open to all), which fields take it.
pub const GENERAL: &[(&str, &str, i64, &str, &str, i32)] = &[
    ("GE1001", "思想道德与法治", 30, "compulsory", "马克思主义学院", 1),
    ("GE1002", "中国近现代史纲要", 30, "compulsory", "马克思主义学院", 2),
    ("GE1003", "马克思主义基本原理", 30, "compulsory", "马克思主义学院", 3),
    ("GE1004", "毛泽东思想和中国特色社会主义理论体系概论", 30, "compulsory", "马克思主义学院", 4),
    ("GE1005", "习近平新时代中国特色社会主义思想概论", 30, "compulsory", "马克思主义学院", 5),
    ("GE2001", "大学生心理健康教育", 20, "general", "学生工作部", 1),
    ("GE2002", "职业生涯规划与就业指导", 10, "general", "学生工作部", 6),
    ("PE1001", "体育（一）", 10, "compulsory", "体育部", 1),
    ("PE1002", "体育（二）", 10, "compulsory", "体育部", 2),
    ("PE1003", "体育（三）", 10, "compulsory", "体育部", 3),
    ("PE1004", "体育（四）", 10, "compulsory", "体育部", 4),
    ("EN1001", "大学英语（一）", 30, "compulsory", "外国语学院", 1),
    ("EN1002", "大学英语（二）", 30, "compulsory", "外国语学院", 2),
    ("EN1003", "大学英语（三）", 20, "compulsory", "外国语学院", 3),
    ("EN1004", "大学英语（四）", 20, "compulsory", "外国语学院", 4),
    ("MA1001", "高等数学A（一）", 50, "compulsory", "数学与统计学院", 1),
    ("MA1002", "高等数学A（二）", 50, "compulsory", "数学与统计学院", 2),
    ("MA1101", "线性代数", 30, "compulsory", "数学与统计学院", 3),
    ("MA1201", "概率论与数理统计", 30, "compulsory", "数学与统计学院", 4),
    ("GE3001", "艺术鉴赏", 20, "elective", "", 0),
    ("GE3002", "中国传统文化概论", 15, "elective", "", 0),
    ("GE3003", "创新创业基础", 20, "elective", "", 0),
    ("GE3004", "影视文学赏析", 15, "elective", "", 0),
];

/// Surnames.
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
    "汪", "范", "金", "欧阳", "司马",
];
/// Given-name characters, male.
pub const GIVEN_M: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "鹏", "辉", "刚", "健", "斌", "宇", "浩", "凯", "晨",
    "轩", "博", "文", "昊", "然", "睿", "哲", "俊", "豪", "泽", "翰", "铭", "航",
];
/// Given-name characters, female.
pub const GIVEN_F: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "琳", "晶", "颖", "慧", "瑶", "雨", "欣", "悦", "萱",
    "怡", "佳", "琪", "梦", "洁", "诗", "涵", "嫣", "馨", "曦", "婉", "雅", "桐",
];
/// Provinces with rough weights.
pub const PROVINCES: &[(&str, u32)] = &[
    ("河南", 9),
    ("山东", 8),
    ("江苏", 8),
    ("河北", 5),
    ("安徽", 7),
    ("湖北", 6),
    ("湖南", 6),
    ("广东", 5),
    ("四川", 6),
    ("浙江", 6),
    ("江西", 5),
    ("山西", 4),
    ("陕西", 4),
    ("广西", 4),
    ("辽宁", 3),
    ("福建", 3),
    ("贵州", 4),
    ("云南", 3),
    ("重庆", 4),
    ("甘肃", 3),
    ("吉林", 2),
    ("黑龙江", 3),
    ("内蒙古", 2),
    ("新疆", 2),
    ("北京", 2),
    ("天津", 2),
    ("上海", 1),
    ("海南", 1),
    ("宁夏", 1),
    ("青海", 1),
    ("西藏", 1),
];
/// Canteens: merchant id prefix and name.
pub const CANTEENS: &[(&str, &str)] = &[("CT1", "一食堂"), ("CT2", "二食堂"), ("CT3", "清真餐厅"), ("CT4", "风味餐厅")];
/// Campus gates.
pub const GATES: &[&str] = &["GATE-N", "GATE-S", "GATE-E"];
/// Chinese Library Classification classes (top level, T split into its main subclasses).
pub const CLC: &[&str] = &[
    "TP", "O", "TN", "F", "H", "I", "K", "D", "G", "B", "Q", "J", "TU", "TH", "TB", "TQ", "U", "C", "R", "E", "X", "N",
];

/// The two CLC classes (indices into [`CLC`]) a major reads most, by college then major.
const MAJOR_CLASSES: &[&[(usize, usize)]] = &[
    &[(0, 1), (0, 2), (0, 9)],  // 计算机: TP+O, TP+TN, TP+B
    &[(3, 1), (3, 17), (3, 7)], // 经管: F+O, F+C, F+D
    &[(4, 5), (4, 5), (4, 6)],  // 外国语: H+I, H+I, H+K
    &[(2, 1), (2, 0)],          // 电子信息: TN+O, TN+TP
    &[(13, 14), (16, 13)],      // 机械: TH+TB, U+TH
    &[(5, 6), (8, 5)],          // 文新: I+K, G+I
    &[(1, 0), (1, 17)],         // 数统: O+TP, O+C
    &[(7, 17)],                 // 法学: D+C
    &[(15, 1), (14, 15)],       // 化材: TQ+O, TB+TQ
    &[(12, 1), (12, 11)],       // 土木: TU+O, TU+J
    &[(11, 8), (11, 12)],       // 艺术: J+G, J+TU
    &[(10, 18), (10, 15)],      // 生命: Q+R, Q+TQ
];

/// Classes (indices into [`CLC`]) a reader's own interest falls in, per interest theme
/// (tech, arts, sports, service, career, language — see `series::THEMES`).
const THEME_CLASSES: [[usize; 3]; 6] = [[21, 0, 19], [11, 5, 9], [8, 18, 16], [7, 20, 17], [3, 17, 7], [4, 6, 5]];

/// The CLC class (index into [`CLC`]) of a loan: `pick` 0 and 1 are the major's two
/// classes, 2 the reader's own interest, which follows their strongest activity theme
/// (so reading and activities share a taste, as they do).
pub fn reading_class(college: usize, major: usize, theme: usize, student: u32, pick: usize) -> usize {
    let pairs = MAJOR_CLASSES.get(college).copied().unwrap_or(&[]);
    match (pairs.get(major), pick) {
        (Some(p), 0) => p.0,
        (Some(p), 1) => p.1,
        _ => THEME_CLASSES[theme % THEME_CLASSES.len()][student as usize % 3],
    }
}

/// LMS activity types with weights.
pub const LMS_TYPES: &[(&str, u32)] =
    &[("resource", 30), ("video", 25), ("quiz", 12), ("forum", 8), ("homepage", 15), ("assignment", 10)];
