//! The catalogue of activity series (第二课堂): clubs that meet every week, leagues,
//! lecture series and recurring events. Every generated activity is one session of a
//! series; its title is the series name plus an instance suffix `（第N期）`, so the series
//! can be recovered from the title alone (how `recommend` groups activities).
//!
//! Popularity is deliberately uneven and many series appeal to particular colleges, so
//! that students' choices carry structure a recommender can learn (see `taste.rs`).

/// A recurring activity series.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    /// Series name (the title without the instance suffix).
    pub name: &'static str,
    /// Contract category.
    pub category: &'static str,
    /// Contract dimension (德智体美劳).
    pub dimension: &'static str,
    /// Organiser.
    pub organiser: &'static str,
    /// Location.
    pub location: &'static str,
    /// Duration in tenths of an hour.
    pub hours: i64,
    /// Relative popularity.
    pub popularity: u32,
    /// Weeks between sessions: 1 weekly, 2 fortnightly, 4 monthly.
    pub every: u32,
    /// Colleges (indices into `COLLEGES`) it appeals to; empty = the whole campus.
    pub colleges: &'static [usize],
    /// Interest themes (indices into [`THEMES`]) it belongs to.
    pub themes: &'static [usize],
}

/// Interests that cut across the contract categories: what makes a student who joins the
/// photography club likelier to join the film salon than the robotics club.
pub const THEMES: [&str; 6] = ["tech", "arts", "sports", "service", "career", "language"];

#[allow(clippy::too_many_arguments)]
const fn s(
    name: &'static str,
    (category, dimension): (&'static str, &'static str),
    organiser: &'static str,
    location: &'static str,
    hours: i64,
    popularity: u32,
    every: u32,
    colleges: &'static [usize],
    themes: &'static [usize],
) -> Series {
    Series { name, category, dimension, organiser, location, hours, popularity, every, colleges, themes }
}

const CLUB_ART: (&str, &str) = ("club", "aesthetic");
const CLUB_INT: (&str, &str) = ("club", "intellectual");
const CLUB_PHY: (&str, &str) = ("club", "physical");
const ACAD: (&str, &str) = ("academic", "intellectual");
const SPORT: (&str, &str) = ("sports", "physical");
const ARTS: (&str, &str) = ("arts", "aesthetic");
const VOL_M: (&str, &str) = ("volunteer", "moral");
const VOL_L: (&str, &str) = ("volunteer", "labour");
const LAB: (&str, &str) = ("labour", "labour");
const PARTY: (&str, &str) = ("party", "moral");
const IDEO: (&str, &str) = ("ideological", "moral");
const CAREER: (&str, &str) = ("career", "intellectual");

/// Every series. College indices: 0 计算机, 1 经管, 2 外国语, 3 电子信息, 4 机械, 5 文新,
/// 6 数统, 7 法学, 8 化材, 9 土木, 10 艺术设计, 11 生命科学.
pub const SERIES: &[Series] = &[
    s("摄影社活动日", CLUB_ART, "摄影协会", "大学生活动中心", 20, 6, 1, &[10, 5], &[1]),
    s("机器人社技术分享", CLUB_INT, "机器人协会", "创新实验室", 20, 5, 1, &[0, 3, 4], &[0]),
    s("书法社练习会", CLUB_ART, "书法协会", "社区活动室", 20, 3, 1, &[5, 2, 10], &[1, 5]),
    s("编程俱乐部训练", CLUB_INT, "ACM协会", "计算机实验中心", 25, 5, 1, &[0, 6], &[0]),
    s("英语角", CLUB_INT, "外语协会", "学生社区咖啡厅", 15, 6, 1, &[2], &[5]),
    s("日语角", CLUB_INT, "外语协会", "学生社区咖啡厅", 15, 2, 1, &[2], &[5]),
    s("辩论社训练", CLUB_INT, "辩论协会", "社区研讨室", 20, 4, 1, &[7, 5], &[5, 4]),
    s("动漫社放映会", CLUB_ART, "动漫协会", "社区影音室", 20, 5, 1, &[], &[1]),
    s("吉他社弹唱会", CLUB_ART, "吉他协会", "大学生活动中心", 20, 4, 1, &[], &[1]),
    s("围棋社对弈", CLUB_INT, "棋艺协会", "社区活动室", 20, 2, 1, &[6], &[0, 5]),
    s("天文社观测夜", CLUB_INT, "天文协会", "东区天台", 20, 2, 2, &[6, 11], &[0, 2]),
    s("创业协会沙龙", CLUB_INT, "创新创业学院", "一站式服务大厅", 15, 3, 2, &[1], &[4]),
    s("金融投资协会研讨", CLUB_INT, "金融投资协会", "经管楼研讨室", 15, 3, 1, &[1, 6], &[4]),
    s("汽车文化沙龙", CLUB_INT, "汽车协会", "工程训练中心", 15, 2, 2, &[4], &[0]),
    s("新闻社采编例会", CLUB_INT, "大学生记者团", "社区研讨室", 15, 2, 1, &[5], &[5, 1]),
    s("户外运动社徒步", CLUB_PHY, "户外运动协会", "校门口集合", 40, 3, 2, &[], &[2]),
    s("模拟法庭", ACAD, "法学院", "模拟法庭教室", 25, 2, 2, &[7], &[5, 4]),
    s("电子设计竞赛培训", ACAD, "电子信息工程学院", "电子实验中心", 25, 3, 1, &[3, 0], &[0]),
    s("数学建模培训", ACAD, "数学与统计学院", "数学楼机房", 25, 4, 1, &[6, 0, 1], &[0]),
    s("建筑模型工作坊", ACAD, "土木工程学院", "建筑馆工作室", 30, 2, 2, &[9, 10], &[1, 0]),
    s("化学实验开放日", ACAD, "化学与材料学院", "化学实验中心", 20, 2, 2, &[8, 11], &[0]),
    s("生物标本采集实践", ACAD, "生命科学学院", "校园植物园", 30, 2, 2, &[11], &[0, 2]),
    s("学术讲座", ACAD, "科研处", "学术报告厅", 15, 7, 1, &[], &[0, 5]),
    s("人工智能前沿讲座", ACAD, "计算机科学与技术学院", "学术报告厅", 15, 4, 2, &[0, 3, 6], &[0]),
    s("经济学人读书会", ACAD, "经济管理学院", "图书馆研讨间", 15, 2, 2, &[1], &[4, 5]),
    s("翻译工作坊", ACAD, "外国语学院", "语音室", 20, 2, 2, &[2, 5], &[5]),
    s("设计作品展", ARTS, "艺术设计学院", "美术馆", 20, 3, 4, &[10, 9], &[1]),
    s("篮球联赛", SPORT, "体育部", "东区篮球场", 20, 7, 1, &[], &[2]),
    s("足球联赛", SPORT, "体育部", "西区足球场", 20, 5, 1, &[], &[2]),
    s("羽毛球俱乐部", SPORT, "羽毛球协会", "体育馆", 20, 6, 1, &[], &[2]),
    s("乒乓球协会训练", SPORT, "乒乓球协会", "体育馆", 15, 4, 1, &[], &[2]),
    s("晨跑打卡", SPORT, "体育部", "田径场", 10, 3, 1, &[], &[2]),
    s("健身工作坊", SPORT, "健身协会", "健身房", 15, 3, 1, &[], &[2]),
    s("瑜伽社", SPORT, "瑜伽协会", "体育馆舞蹈室", 15, 4, 1, &[], &[2, 1]),
    s("定向越野赛", SPORT, "体育部", "校园", 30, 2, 4, &[], &[2]),
    s("校园歌手大赛", ARTS, "校团委", "大学生活动中心", 25, 6, 4, &[], &[1]),
    s("合唱团排练", ARTS, "大学生艺术团", "音乐厅", 20, 4, 1, &[], &[1]),
    s("民乐团排练", ARTS, "大学生艺术团", "音乐厅", 20, 2, 1, &[10, 5], &[1]),
    s("街舞社练习", ARTS, "街舞协会", "大学生活动中心", 20, 4, 1, &[], &[1, 2]),
    s("话剧社排练", ARTS, "话剧社", "小剧场", 25, 3, 1, &[5, 2, 10], &[1, 5]),
    s("电影赏析沙龙", ARTS, "影视协会", "社区影音室", 20, 5, 1, &[], &[1, 5]),
    s("社区志愿服务", VOL_M, "校青年志愿者协会", "学生社区服务站", 30, 7, 1, &[], &[3]),
    s("志愿服务队支教", VOL_M, "研究生支教团", "附近小学", 40, 3, 2, &[2, 5, 6], &[3, 5]),
    s("敬老院志愿服务", VOL_M, "校青年志愿者协会", "社区敬老院", 30, 3, 2, &[], &[3]),
    s("校园环境志愿清洁", VOL_L, "校青年志愿者协会", "西区湖畔", 25, 4, 2, &[], &[3]),
    s("图书馆志愿者", VOL_L, "图书馆", "图书馆服务台", 20, 3, 1, &[], &[3, 5]),
    s("社区农园劳动实践", LAB, "学生社区管理中心", "社区农园", 30, 4, 1, &[11, 8], &[3]),
    s("宿舍卫生劳动周", LAB, "学生社区管理中心", "学生宿舍区", 20, 3, 4, &[], &[3]),
    s("党课学习", PARTY, "校党委组织部", "党员之家", 20, 4, 1, &[], &[3]),
    s("入党积极分子培训", PARTY, "校党委组织部", "党员之家", 20, 3, 2, &[], &[3]),
    s("主题班会", IDEO, "学生工作部", "社区活动室", 10, 5, 2, &[], &[3]),
    s("形势与政策报告会", IDEO, "学生工作部", "学术报告厅", 15, 4, 4, &[], &[3]),
    s("职业生涯规划讲座", CAREER, "就业指导中心", "一站式服务大厅", 15, 4, 2, &[], &[4]),
    s("简历工作坊", CAREER, "就业指导中心", "一站式服务大厅", 15, 3, 2, &[], &[4]),
    s("企业宣讲会", CAREER, "就业指导中心", "学术报告厅", 15, 5, 1, &[0, 1, 3, 4], &[4, 0]),
    s("模拟面试", CAREER, "就业指导中心", "一站式服务大厅", 15, 2, 2, &[], &[4]),
];
