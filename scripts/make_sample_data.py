#!/usr/bin/env python3
"""Generate the campus-radar sample campus: sample_data/campus/<kind>.csv for all 18 kinds.

Python 3 standard library only; deterministic (fixed seed): running it twice writes
byte-identical files.  Usage (from the repository root, or anywhere):

    python3 scripts/make_sample_data.py            # writes sample_data/campus/ and campus-ndjson/
    python3 scripts/make_sample_data.py --out DIR  # writes DIR/campus/ and DIR/campus-ndjson/

The data follow shared/spec/campus-records.md exactly (column names and order) and every
row is valid when ingested with `--now 2025-09-22T08:00:00+08:00` in Asia/Shanghai.
Everything here is fabricated: no real person is described.
"""

import argparse
import csv
import io
import json
import math
import os
import random
from datetime import date, datetime, timedelta

SEED = 20250908
FIRST_DAY = date(2025, 9, 8)  # Monday, week 1
N_DAYS = 14  # two weeks: 2025-09-08 .. 2025-09-21
WEEK2 = date(2025, 9, 15)
DATA_END = datetime(2025, 9, 22, 0, 0, 0)  # local; no event time at or after this
DATA_START = datetime(2025, 9, 8, 0, 0, 0)
CURRENT_TERM = "2025-2026-1"
PREVIOUS_TERM = "2024-2025-2"
CLOCK = "2025-09-22T08:00:00+08:00"

DAYS = [FIRST_DAY + timedelta(days=i) for i in range(N_DAYS)]

# Planted students whose second week looks visibly worse (documented in README.md).
PLANTED = {
    "2023010105": "overall decline: in week 2 skips almost all breakfasts and many meals, comes back to the dorm after midnight most nights, online 00:00-05:00, misses several classes, stops submitting coursework, no activities; psych re-screening 'attention'; counsellor talk on 2025-09-19",
    "2024020107": "economic: financial_aid_level hardship; in week 2 eats far less (about one cheap meal a day, no breakfast), canteen spend collapses, no supermarket; counsellor talk and home_visit (phone) in week 2",
    "2022030204": "academic: failed three courses in 2024-2025-2 (one make-up failed again), in week 2 absent from half of the classes, missing coursework, gaming online until 03:00-04:00",
    "2025010209": "freshman adjustment: psych_screening high_risk on arrival, in week 2 few meals, late nights, no library, withdraws from activities; psych_consult in week 2",
    "2023020203": "no trace: no card, gate or network record at all on Wed 2025-09-17 and Thu 2025-09-18 (absent from class those days), fewer meals around it",
    "2024030111": "night owl getting worse: in week 2 online most of 00:00-06:00 every night, late dorm returns, breakfast stops, late to morning classes",
}
SUSPENDED = "2023030110"  # status suspended: has last term's grades, no events

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
) + ["欧阳", "司马", "上官"]
GIVEN_M = list("伟强磊军洋勇杰涛明超鹏辉刚健斌宇浩凯晨轩博文昊然睿哲俊豪子墨泽翰铭远航锦程天佑思源嘉懿")
GIVEN_F = list("芳娜敏静丽艳娟霞婷雪琳晶颖慧瑶雨欣悦萱怡佳琪梦洁诗涵紫嫣可馨若曦婉清雅思语桐")
PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
]
PROVINCE_W = [2, 2, 5, 4, 2, 3, 2, 3, 1, 8, 6, 7, 3, 5, 8, 9, 6, 6, 5, 4, 1, 4, 6, 4, 3, 1, 4, 3, 1, 1, 2]

COLLEGES = [
    ("01", "计算机科学与技术学院", "TB-A", [("01", "计算机科学与技术", "计科", "CS"), ("02", "软件工程", "软工", "SE")]),
    ("02", "经济管理学院", "TB-B", [("01", "会计学", "会计", "ACC"), ("02", "市场营销", "营销", "MKT")]),
    ("03", "外国语学院", "TB-C", [("01", "英语", "英语", "ENG"), ("02", "日语", "日语", "JPN")]),
]
MASTER_MAJOR = ("11", "计算机科学与技术（学硕）", "计硕", "MCS")

# Curricula: semester index (1 = first autumn) -> major course names.
CURRICULA = {
    "CS": {1: ["程序设计基础"], 2: ["离散数学", "面向对象程序设计"], 3: ["数据结构", "数字逻辑"],
           4: ["计算机组成原理", "算法设计与分析"], 5: ["操作系统", "数据库系统", "计算机网络"],
           6: ["编译原理", "软件工程", "人工智能导论"], 7: ["机器学习", "分布式系统"]},
    "SE": {1: ["程序设计基础"], 2: ["面向对象程序设计", "离散数学"], 3: ["数据结构", "Web前端开发"],
           4: ["软件工程导论", "数据库系统"], 5: ["软件测试", "软件体系结构", "操作系统"],
           6: ["软件项目管理", "移动应用开发", "计算机网络"], 7: ["云计算技术", "软件质量保证"]},
    "ACC": {1: ["会计学原理", "管理学原理"], 2: ["微观经济学", "中级财务会计（上）"],
            3: ["宏观经济学", "中级财务会计（下）", "统计学"], 4: ["成本会计", "经济法"],
            5: ["财务管理", "税法", "管理会计"], 6: ["审计学", "高级财务会计"], 7: ["会计信息系统", "财务报表分析"]},
    "MKT": {1: ["管理学原理", "市场营销学"], 2: ["微观经济学", "消费者行为学"], 3: ["宏观经济学", "统计学", "市场调研"],
            4: ["经济法", "品牌管理"], 5: ["网络营销", "营销渠道管理", "广告学"], 6: ["国际市场营销", "销售管理"],
            7: ["新媒体营销", "营销策划"]},
    "ENG": {1: ["综合英语（一）", "英语听力（一）", "英语语音"], 2: ["综合英语（二）", "英语听力（二）", "英语口语"],
            3: ["综合英语（三）", "英语写作", "英国文学"], 4: ["综合英语（四）", "美国文学", "语言学导论"],
            5: ["高级英语（一）", "翻译理论与实践", "二外日语（一）"], 6: ["高级英语（二）", "口译", "二外日语（二）"],
            7: ["英语教学法", "学术论文写作"]},
    "JPN": {1: ["基础日语（一）", "日语语音", "日语听力（一）"], 2: ["基础日语（二）", "日语听力（二）", "日语会话"],
            3: ["基础日语（三）", "日语写作", "日本概况"], 4: ["基础日语（四）", "日本文学史", "日语语法"],
            5: ["高级日语（一）", "日汉翻译", "日本文学选读"], 6: ["高级日语（二）", "日语口译", "商务日语"],
            7: ["日本社会与文化", "学术论文写作（日语）"]},
    "MCS": {1: ["高级算法", "机器学习理论", "学术英语"], 2: ["深度学习", "分布式计算", "自然辩证法概论"],
            3: ["学术前沿讲座"]},
}
ELECTIVE_NAMES = {"机器学习", "分布式系统", "云计算技术", "会计信息系统", "新媒体营销", "英语教学法",
                  "日本社会与文化", "学术前沿讲座", "移动应用开发", "广告学"}
# General / public courses: id, name, credits, category, college
GENERAL = {
    "GE1001": ("思想道德与法治", "3", "compulsory", "马克思主义学院"),
    "GE1002": ("中国近现代史纲要", "3", "compulsory", "马克思主义学院"),
    "GE1003": ("马克思主义基本原理", "3", "compulsory", "马克思主义学院"),
    "GE1004": ("毛泽东思想和中国特色社会主义理论体系概论", "3", "compulsory", "马克思主义学院"),
    "GE1005": ("习近平新时代中国特色社会主义思想概论", "3", "compulsory", "马克思主义学院"),
    "GE1006": ("中国特色社会主义理论与实践研究", "2", "compulsory", "马克思主义学院"),
    "GE2001": ("大学生心理健康教育", "2", "general", "学生工作部"),
    "GE2002": ("职业生涯规划与就业指导", "1", "general", "学生工作部"),
    "GE2003": ("创新创业基础", "2", "general", ""),
    "GE2101": ("艺术鉴赏", "2", "general", ""),
    "GE2102": ("中国传统文化概论", "1.5", "general", ""),
    "PE1001": ("体育（一）", "1", "compulsory", "体育部"),
    "PE1002": ("体育（二）", "1", "compulsory", "体育部"),
    "PE1003": ("体育（三）", "1", "compulsory", "体育部"),
    "PE1004": ("体育（四）", "1", "compulsory", "体育部"),
    "EN1001": ("大学英语（一）", "3", "compulsory", "外国语学院"),
    "EN1002": ("大学英语（二）", "3", "compulsory", "外国语学院"),
    "EN1003": ("大学英语（三）", "2", "compulsory", "外国语学院"),
    "EN1004": ("大学英语（四）", "2", "compulsory", "外国语学院"),
    "MA1001": ("高等数学A（一）", "5", "compulsory", "数学学院"),
    "MA1002": ("高等数学A（二）", "5", "compulsory", "数学学院"),
    "MA1101": ("线性代数", "3", "compulsory", "数学学院"),
    "MA1201": ("概率论与数理统计", "3", "compulsory", "数学学院"),
    "MA1301": ("微积分B", "4", "compulsory", "数学学院"),
}
DAILY_TOTAL_COURSES_PREFIX = ("EN",)  # their platform (U校园-style) exports daily totals at 00:00

PERIODS = {1: ((8, 0), (9, 40)), 2: ((10, 0), (11, 40)), 3: ((14, 0), (15, 40)), 4: ((16, 0), (17, 40)),
           5: ((19, 0), (20, 40))}

CANTEENS = [("CT1", "一食堂"), ("CT2", "二食堂"), ("CT3", "清真餐厅")]
DORMS_M = ["D01", "D02", "D03", "D04"]
DORMS_F = ["D05", "D06", "D07", "D08"]
DORM_G = "G01"  # graduate building


def rnd_time(rng, day, lo_h, hi_h):
    """Uniform local time on day between hours lo_h and hi_h (floats, may exceed 24)."""
    secs = rng.uniform(lo_h * 3600, hi_h * 3600)
    return datetime(day.year, day.month, day.day) + timedelta(seconds=int(secs))


def norm_time(rng, day, mu_h, sd_min, lo_h, hi_h):
    mu = mu_h * 60
    for _ in range(20):
        m = rng.gauss(mu, sd_min)
        if lo_h * 60 <= m <= hi_h * 60:
            break
    else:
        m = mu
    return datetime(day.year, day.month, day.day) + timedelta(seconds=int(m * 60 + rng.randint(0, 59)))


def at(day, h, m, s=0):
    return datetime(day.year, day.month, day.day, h, m, s)


class Fmt:
    """Timestamp text forms, mixed across rows the way real exports are."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def ts(self, dt, w_offset, w_z, w_naive):
        r = self.rng.random() * (w_offset + w_z + w_naive)
        if r < w_offset:
            return dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        if r < w_offset + w_z:
            return (dt - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return dt.strftime("%Y-%m-%d %H:%M:%S")


def money(x):
    return "%.2f" % (round(x * 100) / 100)


def score_text(x):
    x = max(0.0, min(100.0, x))
    x = round(x * 2) / 2
    return str(int(x)) if x == int(x) else "%.1f" % x


class Gen:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.fmt = Fmt(SEED + 1)
        self.rows = {}

    # ------------------------------------------------------------------ dimensions
    def make_courses(self):
        rng = self.rng
        self.courses = {}  # id -> dict
        for cid, (name, cr, cat, col) in GENERAL.items():
            self.courses[cid] = dict(course_id=cid, course_name=name, credits=cr, category=cat, college=col)
        self.name_to_id = {}
        counters = {}
        for code, cname, bld, majors in COLLEGES:
            for mcode, mname, abbr, key in majors:
                for sem, names in CURRICULA[key].items():
                    for n in names:
                        if (code, n) in self.name_to_id:
                            continue
                        pfx = key if key not in ("SE",) else "SE"
                        counters[pfx] = counters.get(pfx, 0) + 1
                        cid = "%s%d%02d" % (pfx, (sem + 1) // 2, counters[pfx])
                        cr = rng.choice(["2", "2.5", "3", "3", "3", "3.5", "4", "4"])
                        if "口语" in n or "语音" in n or "讲座" in n:
                            cr = rng.choice(["1", "1.5", "2"])
                        cat = "elective" if n in ELECTIVE_NAMES else "compulsory"
                        self.courses[cid] = dict(course_id=cid, course_name=n, credits=cr, category=cat, college=cname)
                        self.name_to_id[(code, n)] = cid
        for sem, names in CURRICULA["MCS"].items():
            for n in names:
                counters["MCS"] = counters.get("MCS", 0) + 1
                cid = "MCS%d%02d" % ((sem + 1) // 2, counters["MCS"])
                cr = "1" if "讲座" in n else rng.choice(["2", "3"])
                cat = "elective" if n in ELECTIVE_NAMES else "compulsory"
                self.courses[cid] = dict(course_id=cid, course_name=n, credits=cr, category=cat,
                                         college="计算机科学与技术学院")
                self.name_to_id[("01M", n)] = cid

    def course_list(self, college_code, key, sem):
        """Course ids a (major, semester) group takes."""
        if sem < 1:
            return []
        out = []
        if key == "MCS":
            out += [self.name_to_id[("01M", n)] for n in CURRICULA["MCS"].get(sem, [])]
            if sem == 1:
                out.append("GE1006")
            return out
        out += [self.name_to_id[(college_code, n)] for n in CURRICULA[key].get(sem, [])]
        gen = {1: ["GE1001", "GE2001"], 2: ["GE1002"], 3: ["GE1003"], 4: ["GE1004"], 5: ["GE1005"],
               6: ["GE2003"], 7: ["GE2002"]}[sem]
        out += gen
        if sem <= 4:
            out.append("PE100%d" % sem)
            if key != "ENG":
                out.append("EN100%d" % sem)
        maths = {"CS": {1: "MA1001", 2: "MA1002", 3: "MA1101", 4: "MA1201"},
                 "SE": {1: "MA1001", 2: "MA1002", 3: "MA1101", 4: "MA1201"},
                 "ACC": {1: "MA1301", 2: "MA1101", 3: "MA1201"},
                 "MKT": {1: "MA1301", 2: "MA1101", 3: "MA1201"}}
        m = maths.get(key, {}).get(sem)
        if m:
            out.append(m)
        if sem == 5 and key in ("ACC", "MKT"):
            out.append("GE2101")
        if sem == 3 and key in ("ENG", "JPN"):
            out.append("GE2102")
        return out

    def make_staff(self):
        rng = self.rng
        self.staff = []
        used = set()

        def person(gender=None):
            while True:
                g = gender or rng.choice("MF")
                sn = rng.choice(SURNAMES[:60])
                gv = rng.choice(GIVEN_M if g == "M" else GIVEN_F)
                if rng.random() < 0.6:
                    gv += rng.choice(GIVEN_M if g == "M" else GIVEN_F)
                n = sn + gv
                if n not in used:
                    used.add(n)
                    return n

        self.staff.append(dict(staff_id="0001", name=person(), role="counsellor", college="", building="D03"))
        self.staff.append(dict(staff_id="0002", name=person(), role="counsellor", college="", building="D06"))
        self.staff.append(dict(staff_id="0003", name=person(), role="psychologist", college="", building="D05"))
        self.staff.append(dict(staff_id="0004", name=person(), role="leader", college="计算机科学与技术学院", building=""))
        self.staff.append(dict(staff_id="0005", name=person(), role="career_advisor", college="", building="D02"))
        self.staff.append(dict(staff_id="0006", name=person(), role="party_secretary", college="经济管理学院", building="D07"))
        self.staff.append(dict(staff_id="0007", name=person(), role="leader", college="外国语学院", building=""))
        self.staff_name_pool = person
        self.mentors_by_college = {}
        mid = 100
        for code, cname, bld, majors in COLLEGES:
            lst = []
            for i in range(14):
                mid += 1
                sid = "%04d" % mid
                self.staff.append(dict(staff_id=sid, name=person(), role="mentor", college=cname, building=""))
                lst.append(sid)
            self.mentors_by_college[code] = lst
        # graduate supervisors
        lst = []
        for i in range(4):
            mid += 1
            sid = "%04d" % mid
            self.staff.append(dict(staff_id=sid, name=person(), role="mentor", college="计算机科学与技术学院", building=""))
            lst.append(sid)
        self.mentors_by_college["01M"] = lst

    def make_students(self):
        rng = self.rng
        self.students = []
        used = set()

        def sname(g):
            while True:
                sn = rng.choice(SURNAMES)
                gv = rng.choice(GIVEN_M if g == "M" else GIVEN_F)
                if rng.random() < 0.7:
                    gv += rng.choice(GIVEN_M if g == "M" else GIVEN_F)
                n = sn + gv
                if n not in used:
                    used.add(n)
                    return n

        groups = []
        for code, cname, bld, majors in COLLEGES:
            for mcode, mname, abbr, key in majors:
                for cohort in (2022, 2023, 2024, 2025):
                    groups.append((code, cname, bld, mcode, mname, abbr, key, cohort, "undergraduate", 12))
        groups.append(("01", "计算机科学与技术学院", "TB-A") + MASTER_MAJOR + (2024, "master", 6))
        groups.append(("01", "计算机科学与技术学院", "TB-A") + MASTER_MAJOR + (2025, "master", 6))

        room_fill = {}  # (building) -> [floor, room_no, count]
        mentor_load = {}
        female_ratio = {"01": 0.3, "02": 0.6, "03": 0.8}
        for (code, cname, bld, mcode, mname, abbr, key, cohort, degree, n) in groups:
            class_id = "%s%02d01" % (abbr, cohort % 100)
            sem_now = (2025 - cohort) * 2 + 1
            mentor_pool = self.mentors_by_college["01M" if degree == "master" else code]
            for seq in range(1, n + 1):
                sid = "%d%s%s%02d" % (cohort, code, mcode, seq)
                g = "F" if rng.random() < female_ratio[code] else "M"
                if sid in ("2023010105", "2022030204", "2024030111"):
                    g = "M"
                if sid in ("2024020107", "2025010209", "2023020203"):
                    g = "F"
                off = False
                if degree == "undergraduate" and cohort == 2022 and rng.random() < 0.2:
                    off = True
                elif degree == "master" and rng.random() < 0.25:
                    off = True
                elif rng.random() < 0.03:
                    off = True
                if sid in PLANTED or sid == SUSPENDED:
                    off = False
                if off:
                    b, fl, rm = "", "", ""
                else:
                    if degree == "master":
                        b = DORM_G
                    else:
                        pool = DORMS_M if g == "M" else DORMS_F
                        b = pool[(cohort - 2022)]
                    st = room_fill.setdefault(b, [1, 1, 0])
                    if st[2] >= 4:
                        st[1] += 1
                        st[2] = 0
                        if st[1] > 24:
                            st[0] += 1
                            st[1] = 1
                    st[2] += 1
                    fl, rm = str(st[0] + 1), "%d%02d" % (st[0] + 1, st[1])
                counsellor = "0001" if cohort <= 2023 else "0002"
                mentor = ""
                if not (degree == "undergraduate" and cohort == 2025 and code == "03"):
                    cands = [m for m in mentor_pool if mentor_load.get(m, 0) < (3 if degree == "master" else 9)]
                    # keep a class's students with few mentors: take the first two with room
                    mentor = cands[0] if rng.random() < 0.55 or len(cands) < 2 else cands[1]
                    mentor_load[mentor] = mentor_load.get(mentor, 0) + 1
                if cohort == 2022:
                    pol = rng.choices(["party_member", "probationary_member", "activist", "league_member", "masses"],
                                      [12, 6, 12, 62, 8])[0]
                elif cohort == 2023:
                    pol = rng.choices(["party_member", "probationary_member", "activist", "league_member", "masses"],
                                      [4, 6, 18, 66, 6])[0]
                else:
                    pol = rng.choices(["party_member", "probationary_member", "activist", "league_member", "masses"],
                                      [1 if degree == "undergraduate" else 20, 1, 8, 84, 6])[0]
                aid = rng.choices(["none", "general", "hardship", "special_hardship"], [75, 12, 9, 4])[0]
                if sid == "2024020107":
                    aid = "hardship"
                prov = rng.choices(PROVINCES, PROVINCE_W)[0] if rng.random() > 0.04 else ""
                status = "suspended" if sid == SUSPENDED else "active"
                self.students.append(dict(
                    student_id=sid, name=sname(g), gender=g, college=cname, major=mname, class_id=class_id,
                    cohort=str(cohort), degree_level=degree, dorm_building=b, dorm_floor=fl, dorm_room=rm,
                    counsellor_id=counsellor, mentor_id=mentor, political_status=pol, hometown_province=prov,
                    financial_aid_level=aid, status=status,
                    _code=code, _key=key, _bld=bld, _sem=sem_now, _off=off))

    def make_timetables(self):
        """Weekly timetable per (college, major key, cohort): list of (weekday, period, course_id, place)."""
        rng = self.rng
        self.timetable = {}
        for s in self.students:
            gk = (s["_code"], s["_key"], s["cohort"])
            if gk in self.timetable:
                continue
            courses = self.course_list(s["_code"], s["_key"], s["_sem"])
            slots_free = [(wd, p) for wd in range(5) for p in (1, 2, 3, 4)]
            rng.shuffle(slots_free)
            tt = []
            for cid in courses:
                c = self.courses[cid]
                nsess = 2 if float(c["credits"]) >= 3 else 1
                if cid.startswith("PE"):
                    place = ("gym", "GYM-1")
                elif cid.startswith(("GE", "MA", "EN")):
                    place = ("teaching_building", "TB-D")
                else:
                    place = ("teaching_building", s["_bld"])
                used_days = set()
                for _ in range(nsess):
                    evening = [(d, 5) for d in (0, 2, 3) if not tt_has(tt, d, 5) and d not in used_days]
                    if c["category"] == "elective" and evening:
                        slot = rng.choice(evening)
                    else:
                        slot = next((x for x in slots_free if x[0] not in used_days), slots_free[0])
                        slots_free.remove(slot)
                    used_days.add(slot[0])
                    tt.append((slot[0], slot[1], cid, place))
            tt.sort()
            self.timetable[gk] = tt

    def make_activities(self):
        specs = [
            ("迎新志愿服务", "volunteer", "moral", "校青年志愿者协会", (0, 8, 0), 4.0, "D区学生社区服务站"),
            ("社团招新嘉年华", "club", "aesthetic", "校学生会", (1, 15, 0), 3.0, "中心广场"),
            ("新生篮球赛（小组赛）", "sports", "physical", "体育部", (2, 16, 30), 2.0, "东区篮球场"),
            ("学术讲座：大模型与教育", "academic", "intellectual", "计算机科学与技术学院", (2, 19, 0), 1.5, "学术报告厅"),
            ("主题班会：安全教育第一课", "ideological", "moral", "学生工作部", (3, 19, 0), 1.0, "D03社区活动室"),
            ("宿舍卫生大扫除", "labour", "labour", "学生社区管理中心", (4, 15, 0), 2.0, "各宿舍楼"),
            ("党课：党的基本知识", "party", "moral", "经济管理学院党委", (4, 19, 0), 2.0, "D07党员之家"),
            ("周末书法体验课", "arts", "aesthetic", "书法协会", (5, 9, 30), 2.5, "D05社区书院"),
            ("校园环境志愿清洁", "volunteer", "labour", "校青年志愿者协会", (6, 9, 0), 3.0, "西区湖畔"),
            ("职业生涯规划讲座", "career", "intellectual", "就业指导中心", (7, 19, 0), 1.5, "学术报告厅"),
            ("英语角", "club", "intellectual", "外国语学院", (8, 19, 30), 1.5, "D06社区咖啡角"),
            ("九一八主题纪念活动", "ideological", "moral", "校团委", (10, 10, 0), 1.0, "中心广场"),
            ("新生篮球赛（决赛）", "sports", "physical", "体育部", (10, 16, 30), 2.0, "东区篮球场"),
            ("程序设计竞赛校内选拔", "academic", "intellectual", "计算机科学与技术学院", (12, 9, 0), 5.0, "TB-A 机房"),
            ("校园歌手大赛初赛", "arts", "aesthetic", "校学生会", (12, 19, 0), 2.5, "大学生活动中心"),
            ("社区农园劳动实践", "labour", "labour", "学生社区管理中心", (13, 8, 30), 3.0, "社区农园"),
            ("简历门诊", "career", "intellectual", "就业指导中心", (9, 14, 0), 2.0, "D02一站式服务大厅"),
            ("心理健康月：团体辅导", "ideological", "moral", "心理健康教育中心", (11, 19, 0), 1.5, "D05心理驿站"),
        ]
        self.activities = []
        for i, (title, cat, dim, org, (dd, hh, mm), dur, loc) in enumerate(specs, 1):
            st = at(DAYS[dd], hh, mm)
            en = st + timedelta(hours=dur)
            self.activities.append(dict(activity_id="ACT2025%03d" % i, title=title, category=cat, dimension=dim,
                                        organiser=org, _start=st, _end=en, _dur=dur, location=loc))

    # ------------------------------------------------------------------ behaviour
    def profiles(self):
        rng = self.rng
        for s in self.students:
            p = {}
            p["bp"] = min(0.97, max(0.05, rng.betavariate(2.2, 1.3)))
            p["lp"] = rng.uniform(0.82, 0.98)
            p["dp"] = rng.uniform(0.62, 0.95)
            p["canteen"] = rng.choices([0, 1, 2], [50, 40, 10])[0]
            p["owl"] = rng.random() < 0.15
            p["library"] = rng.random() < (0.45 if s["cohort"] in ("2022", "2025") else 0.25)
            p["gym"] = rng.random() < 0.22
            p["absent"] = rng.uniform(0.0, 0.05)
            p["late"] = rng.uniform(0.01, 0.10)
            p["lms"] = rng.uniform(0.6, 3.0)
            p["spend"] = rng.uniform(0.8, 1.3)
            p["sleep"] = rng.gauss(23.6, 0.45)
            p["ability"] = rng.gauss(78, 8)
            p["diligence"] = rng.uniform(0.85, 1.0)
            p["midday_dorm"] = rng.uniform(0.2, 0.7)
            p["gate_out"] = rng.uniform(0.05, 0.5)
            p["balance"] = rng.uniform(15, 300)
            p["retired"] = False
            if s["_off"]:
                p["bp"] *= 0.3
                p["dp"] *= 0.4
            s["_p"] = p
        # planted students: their baseline is ordinary-to-good
        for sid in PLANTED:
            s = self.student(sid)
            p = s["_p"]
            p["bp"] = max(p["bp"], 0.8)
            p["lp"] = 0.95
            p["dp"] = 0.9
            p["owl"] = sid in ("2024030111", "2022030204")
            p["sleep"] = 23.4
            p["absent"] = 0.0
            p["late"] = 0.03
            p["lms"] = 2.0
            p["diligence"] = 0.95
            p["library"] = sid in ("2023010105", "2025010209")
            p["ability"] = {"2022030204": 57.0}.get(sid, 76.0)

    def student(self, sid):
        for s in self.students:
            if s["student_id"] == sid:
                return s
        raise KeyError(sid)

    def day_params(self, s, day):
        """Effective behaviour of student s on day (planted students change in week 2)."""
        p = dict(s["_p"])
        sid = s["student_id"]
        wk2 = day >= WEEK2
        p["vanished"] = False
        if wk2 and sid in PLANTED:
            if sid == "2023010105":
                p.update(bp=0.05, lp=0.55, dp=0.45, owl=True, sleep=27.0, absent=0.33, late=0.2, lms=0.3,
                         diligence=0.1, library=False, late_return=0.8, gym=False)
            elif sid == "2024020107":
                p.update(bp=0.0, lp=0.7, dp=0.3, spend=0.55)
            elif sid == "2022030204":
                p.update(bp=0.15, absent=0.6, late=0.2, sleep=27.5, owl=True, diligence=0.1, lms=0.3,
                         late_return=0.5)
            elif sid == "2025010209":
                p.update(bp=0.25, lp=0.6, dp=0.5, sleep=26.0, owl=True, library=False, late_return=0.6,
                         absent=0.15, lms=0.8, gym=False)
            elif sid == "2023020203":
                p.update(bp=0.5, lp=0.75, dp=0.6)
                if day in (date(2025, 9, 17), date(2025, 9, 18)):
                    p["vanished"] = True
            elif sid == "2024030111":
                p.update(bp=0.0, sleep=29.5, owl=True, late=0.5, late_return=0.7)
        return p

    def simulate(self):
        rng = self.rng
        card, access, net, att, lms = [], [], [], [], []
        self.card_raw = card
        for s in self.students:
            if s["status"] != "active":
                continue
            sid = s["student_id"]
            gk = (s["_code"], s["_key"], s["cohort"])
            tt = self.timetable[gk]
            balance = s["_p"]["balance"]
            dorm = s["dorm_building"]
            forced_absent = set()
            if sid in PLANTED:
                # planted students: absences in week 2 at exactly their week-2 rate (not left to chance)
                wk2 = [(d, x[1]) for d in DAYS if d >= WEEK2 for x in tt if x[0] == d.weekday()]
                k = int(round(self.day_params(s, WEEK2)["absent"] * len(wk2)))
                forced_absent = set(rng.sample(wk2, k))
            off = s["_off"]
            for day in DAYS:
                p = self.day_params(s, day)
                wd = day.weekday()
                weekend = wd >= 5
                sessions = [x for x in tt if x[0] == wd]
                if p["vanished"]:
                    for (w, per, cid, place) in sessions:
                        att.append((at(day, *PERIODS[per][0]), sid, cid, "absent"))
                    continue
                if off and not sessions and rng.random() > 0.15:
                    # off-campus students come in on days with classes (and rarely otherwise)
                    continue
                purchases = []  # (dt, amount, category, merchant_id, location)
                acc = []  # (dt, place_type, place_id, direction)
                nets = []  # (start, end)

                # ---- classes & attendance
                attended = []
                for (w, per, cid, place) in sessions:
                    st = at(day, *PERIODS[per][0])
                    r = rng.random()
                    if sid in PLANTED:
                        r = 0.0 if (day, per) in forced_absent else 1.0
                    if r < p["absent"]:
                        status = "absent"
                    elif rng.random() < 0.01:
                        status = "excused"
                    elif rng.random() < p["late"]:
                        status = "late"
                    else:
                        status = "present"
                    if sid == "2024030111" and day >= WEEK2 and per == 1 and status == "present":
                        status = "late"
                    att.append((st, sid, cid, status))
                    if status in ("present", "late"):
                        attended.append((per, st, cid, place, status))

                # ---- morning
                b_time = None
                first = min([x[1] for x in attended if x[0] <= 2], default=None)  # first morning class
                wake_mu = 7.3 if not weekend else 9.3
                if rng.random() < p["bp"] * (0.55 if weekend else 1.0):
                    hi = 9.6 if first is None or first.hour >= 10 else 7.85
                    b_time = norm_time(rng, day, wake_mu, 22, 6.5, hi)
                if not off:
                    if b_time is not None:
                        out_t = b_time - timedelta(minutes=rng.randint(4, 15), seconds=rng.randint(0, 59))
                    elif first is not None:
                        out_t = first - timedelta(minutes=rng.randint(5, 25), seconds=rng.randint(0, 59))
                        if any(x[4] == "late" and x[1] == first for x in attended):
                            out_t = first + timedelta(minutes=rng.randint(0, 8))
                    else:
                        out_t = rnd_time(rng, day, 8.5 if not weekend else 9.5, 11.5)
                    acc.append((out_t, "dorm", dorm, "out"))
                else:
                    arr = (b_time - timedelta(minutes=rng.randint(5, 20))) if b_time else (
                        first - timedelta(minutes=rng.randint(10, 30)) if first else rnd_time(rng, day, 9, 13))
                    acc.append((arr, "campus_gate", rng.choice(["GATE-N", "GATE-S", "GATE-E"]), "in"))
                    out_t = arr
                if b_time is not None:
                    ct = CANTEENS[p["canteen"]] if rng.random() < 0.8 else rng.choice(CANTEENS)
                    amt = rng.choice([3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 8.0]) * p["spend"]
                    purchases.append((b_time, amt, "canteen", "%s-W%02d" % (ct[0], rng.randint(1, 6)), ct[1]))
                    if rng.random() < 0.3:
                        purchases.append((b_time + timedelta(seconds=rng.randint(30, 240)),
                                          rng.choice([1.5, 2.0, 2.5, 3.0]), "canteen",
                                          "%s-W%02d" % (ct[0], rng.randint(7, 9)), ct[1]))

                # ---- teaching blocks
                for lo, hi in ((1, 2), (3, 4), (5, 5)):
                    blk = [x for x in attended if lo <= x[0] <= hi]
                    if not blk:
                        continue
                    places = {}
                    for x in blk:
                        places.setdefault(x[3], []).append(x)
                    for (ptype, pid), xs in places.items():
                        st = min(x[1] for x in xs)
                        last_per = max(x[0] for x in xs)
                        en = at(day, *PERIODS[last_per][1])
                        late = any(x[4] == "late" for x in xs if x[1] == st)
                        tin = st + timedelta(minutes=rng.randint(3, 15)) if late else st - timedelta(
                            minutes=rng.randint(2, 14), seconds=rng.randint(0, 59))
                        acc.append((tin, ptype, pid, "in"))
                        if rng.random() < 0.85:  # exits are not always registered
                            acc.append((en + timedelta(minutes=rng.randint(0, 9), seconds=rng.randint(0, 59)),
                                        ptype, pid, "out"))
                        if rng.random() < 0.6:
                            nets.append((tin + timedelta(minutes=rng.randint(1, 20)),
                                         en - timedelta(minutes=rng.randint(0, 30))))

                # ---- lunch
                if rng.random() < p["lp"]:
                    morning_end = max([at(day, *PERIODS[x[0]][1]) for x in attended if x[0] <= 2], default=None)
                    if morning_end and morning_end.hour >= 11:
                        lt = morning_end + timedelta(minutes=rng.randint(4, 40), seconds=rng.randint(0, 59))
                    else:
                        lt = norm_time(rng, day, 11.9 if not weekend else 12.2, 25, 10.75, 13.6)
                    ct = CANTEENS[p["canteen"]] if rng.random() < 0.7 else rng.choice(CANTEENS)
                    amt = rng.choice([9, 10, 11, 12, 12.5, 13, 14, 15, 16, 18, 20, 22]) * p["spend"]
                    purchases.append((lt, amt, "canteen", "%s-W%02d" % (ct[0], rng.randint(1, 12)), ct[1]))
                    if rng.random() < 0.12:
                        purchases.append((lt + timedelta(seconds=rng.randint(40, 300)), rng.choice([2.0, 3.0, 4.5]),
                                          "canteen", "%s-W%02d" % (ct[0], rng.randint(13, 14)), ct[1]))
                    if not off and rng.random() < p["midday_dorm"]:
                        tin = lt + timedelta(minutes=rng.randint(12, 35))
                        aft = min([x[1] for x in attended if x[0] >= 3], default=None)
                        acc.append((tin, "dorm", dorm, "in"))
                        if aft is not None:
                            tout = aft - timedelta(minutes=rng.randint(8, 25))
                        else:
                            tout = tin + timedelta(minutes=rng.randint(40, 200))
                        if tout > tin:
                            acc.append((tout, "dorm", dorm, "out"))
                            if rng.random() < 0.7:
                                nets.append((tin + timedelta(minutes=1), tout - timedelta(minutes=1)))

                # ---- afternoon / evening extras
                if p["library"] and rng.random() < (0.55 if not weekend else 0.45):
                    busy_eve = any(x[0] == 5 for x in attended)
                    if rng.random() < 0.5 or busy_eve:
                        lin = rnd_time(rng, day, 14.0 if not any(x[0] in (3, 4) for x in attended) else 17.9, 16.5 if not any(x[0] in (3, 4) for x in attended) else 18.2)
                    else:
                        lin = rnd_time(rng, day, 18.6, 19.4)
                    lout = lin + timedelta(minutes=rng.randint(70, 170))
                    lib = "LIB-MAIN" if rng.random() < 0.8 else "LIB-EAST"
                    acc.append((lin, "library", lib, "in"))
                    r = rng.random()
                    if r < 0.2:  # steps out for a few minutes and comes back
                        o = lin + timedelta(minutes=rng.randint(20, 60))
                        acc.append((o, "library", lib, "out"))
                        acc.append((o + timedelta(minutes=rng.randint(4, 15)), "library", lib, "in"))
                    elif r < 0.26:  # back after a longer break (> 30 minutes)
                        o = lin + timedelta(minutes=rng.randint(20, 40))
                        acc.append((o, "library", lib, "out"))
                        acc.append((o + timedelta(minutes=rng.randint(35, 55)), "library", lib, "in"))
                        lout = max(lout, o + timedelta(minutes=rng.randint(70, 120)))
                    acc.append((lout, "library", lib, "out"))
                    nets.append((lin + timedelta(minutes=rng.randint(1, 6)), lout - timedelta(minutes=rng.randint(1, 9))))
                if p["gym"] and rng.random() < 0.3:
                    gin = rnd_time(rng, day, 16.3 if not weekend else 9.5, 17.5 if not weekend else 16.5)
                    acc.append((gin, "gym", "GYM-1", "in"))
                    acc.append((gin + timedelta(minutes=rng.randint(45, 100)), "gym", "GYM-1", "out"))

                # dinner
                if rng.random() < p["dp"]:
                    dt_ = norm_time(rng, day, 17.75, 25, 16.75, 19.8)
                    ct = CANTEENS[p["canteen"]] if rng.random() < 0.7 else rng.choice(CANTEENS)
                    amt = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 18]) * p["spend"]
                    purchases.append((dt_, amt, "canteen", "%s-W%02d" % (ct[0], rng.randint(1, 12)), ct[1]))
                # late snack at the canteen's night window (outside the meal slots)
                if not off and rng.random() < 0.04:
                    purchases.append((rnd_time(rng, day, 21.0, 22.4), rng.choice([6, 8, 10, 12]), "canteen",
                                      "CT2-W15", "二食堂"))

                if sid == "2024020107" and day >= WEEK2:
                    pass  # no supermarket in week 2
                elif rng.random() < 0.38:
                    purchases.append((rnd_time(rng, day, 9.0, 22.5), rng.uniform(2.5, 45) * p["spend"],
                                      "supermarket", rng.choice(["SM-01", "SM-02"]),
                                      rng.choice(["教育超市", "D区便利店"])))
                if not off:
                    if rng.random() < 0.62:
                        purchases.append((rnd_time(rng, day, 19.5, 23.0), rng.uniform(1.2, 5.0), "shower",
                                          "SH-%s" % dorm, "%s浴室" % dorm))
                    if rng.random() < 0.45:
                        purchases.append((rnd_time(rng, day, 7.0, 22.5), rng.choice([0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]),
                                          "water", "WT-%s" % dorm, "%s开水房" % dorm))
                    if rng.random() < 0.11:
                        purchases.append((rnd_time(rng, day, 10.0, 22.0), rng.choice([3.0, 4.0, 6.0]), "laundry",
                                          "LD-%s" % dorm, "%s洗衣房" % dorm))
                if not weekend and rng.random() < 0.08:
                    purchases.append((rnd_time(rng, day, 8.5, 21.0), rng.choice([0.2, 0.5, 1.0, 1.5, 2.4, 3.6, 6.0, 12.0]),
                                      "print", rng.choice(["PR-LIB", "PR-TBA", "PR-TBD"]), rng.choice(["图书馆文印室", "教学楼自助打印"])))
                if (off and rng.random() < 0.5) or rng.random() < 0.03:
                    purchases.append((rnd_time(rng, day, 7.0, 19.0), rng.choice([1.0, 2.0]), "bus", "BUS-01", "校车"))
                if rng.random() < 0.02:
                    purchases.append((rnd_time(rng, day, 9.0, 21.0), rng.uniform(5, 60), "other", "OT-%02d" % rng.randint(1, 9),
                                      rng.choice(["校医院", "体育馆前台", "快递驿站", "文创店"])))

                # ---- evening return and night
                if not off:
                    if weekend and rng.random() < p["gate_out"]:
                        # an outing off campus: nothing is recorded on campus in between
                        go = max(rnd_time(rng, day, 10.0, 14.5), out_t + timedelta(minutes=rng.randint(10, 40)))
                        back = go + timedelta(hours=rng.uniform(2.0, 7.5))
                        gate = rng.choice(["GATE-N", "GATE-S", "GATE-E"])
                        # no lunch-time dorm return on such a day: keep only the morning dorm exit
                        acc = [x for x in acc if not (x[1] == "dorm" and x[0] != out_t)]
                        acc = [x for x in acc if x[0] == out_t or not (go - timedelta(minutes=15) <= x[0] <= back + timedelta(minutes=10))]
                        purchases = [x for x in purchases if not (go <= x[0] <= back)]
                        nets = [x for x in nets if not (x[0] < back and go < x[1])]
                        acc.append((go, "campus_gate", gate, "out"))
                        acc.append((back, "campus_gate", gate, "in"))
                    last_seen = max([x[0] for x in acc] + [x[0] for x in purchases] + [at(day, 18, 0)])
                    late_p = p.get("late_return", 0.25 if p["owl"] else 0.03)
                    if rng.random() < late_p:
                        ret = rnd_time(rng, day, 23.55, 25.4 if day >= WEEK2 and s["student_id"] in PLANTED else 24.7)
                    else:
                        ret = norm_time(rng, day, 21.7, 40, 19.0, 23.4)
                    if ret <= last_seen:
                        ret = last_seen + timedelta(minutes=rng.randint(5, 30))
                    if ret >= DATA_END:
                        ret = DATA_END - timedelta(minutes=rng.randint(2, 20))
                    acc.append((ret, "dorm", dorm, "in"))
                    # fix shower/water times before the return to after it when they are dorm things
                    fixed = []
                    for pu in purchases:
                        if pu[2] in ("shower", "laundry") and pu[0] < ret and pu[0].hour >= 19:
                            pu = (ret + timedelta(minutes=rng.randint(10, 50)),) + pu[1:]
                        fixed.append(pu)
                    purchases = fixed
                    sleep = datetime(day.year, day.month, day.day) + timedelta(
                        hours=p["sleep"] + rng.gauss(0, 0.5) + (1.6 if p["owl"] and rng.random() < 0.5 else 0))
                    if p["owl"] and rng.random() < 0.55:
                        sleep = max(sleep, datetime(day.year, day.month, day.day) + timedelta(hours=rng.uniform(25.0, 27.5)))
                    start = ret + timedelta(minutes=rng.randint(0, 6), seconds=rng.randint(0, 59))
                    if sleep <= start:
                        sleep = start + timedelta(minutes=rng.randint(20, 60))
                    # a long evening session may be split by reconnects
                    if (sleep - start) > timedelta(hours=2) and rng.random() < 0.4:
                        mid = start + (sleep - start) / 2
                        nets.append((start, mid))
                        nets.append((mid + timedelta(seconds=rng.randint(20, 400)), sleep))
                    else:
                        nets.append((start, sleep))
                else:
                    lastt = max([x[0] for x in acc] + [x[0] for x in purchases] + [at(day, 12, 0)])
                    acc.append((lastt + timedelta(minutes=rng.randint(5, 60)), "campus_gate",
                                rng.choice(["GATE-N", "GATE-S", "GATE-E"]), "out"))
                # phone on campus Wi-Fi during the day
                for _ in range(rng.randint(0, 2)):
                    a = rnd_time(rng, day, 8.0, 20.0)
                    nets.append((a, a + timedelta(minutes=rng.randint(3, 50))))

                # ---- LMS
                courses_now = sorted({x[2] for x in tt})
                n_ev = max(0, int(rng.gauss(p["lms"] * (0.6 if weekend else 1.0), 0.8) + 0.5))
                daily = {}
                for _ in range(n_ev):
                    cid = rng.choice(courses_now)
                    if cid.startswith("PE"):
                        continue
                    typ = rng.choices(["resource", "video", "quiz", "forum", "homepage", "assignment"],
                                      [30, 25, 12, 8, 20, 10])[0]
                    clicks = 1 + int(rng.expovariate(1 / 6.0))
                    if cid.startswith(DAILY_TOTAL_COURSES_PREFIX):
                        daily[(cid, typ)] = daily.get((cid, typ), 0) + clicks
                        continue
                    hi = 23.9 if not p["owl"] else 25.5
                    t = rnd_time(rng, day, 8.0, hi)
                    if t >= DATA_END:
                        t = DATA_END - timedelta(minutes=rng.randint(1, 59))
                    lms.append((t, sid, cid, typ, clicks))
                for (cid, typ), clicks in sorted(daily.items()):
                    lms.append((at(day, 0, 0), sid, cid, typ, clicks))

                # ---- card: top ups, refunds, balance
                purchases.sort()
                purchases = [pu for pu in purchases if pu[0] < DATA_END]
                for pu in purchases:
                    amt = round(max(0.1, pu[1]) * 100) / 100
                    if balance < amt + 5:
                        t = pu[0] - timedelta(minutes=rng.randint(1, 30))
                        top = rng.choice([50, 100, 100, 200, 200, 300, 500])
                        if s["financial_aid_level"] in ("hardship", "special_hardship"):
                            top = rng.choice([50, 50, 100, 100, 150])
                        card.append((t, sid, top, "top_up", "other", rng.choice(["TOPUP-APP", "TOPUP-K01", "TOPUP-K02"]),
                                     rng.choice(["移动端充值", "图书馆圈存机", "一食堂圈存机"])))
                        balance += top
                    if pu[2] == "canteen":
                        amt = max(1.0, round(amt * 2) / 2)  # canteen windows price in half yuan
                    card.append((pu[0], sid, amt, "purchase", pu[2], pu[3], pu[4]))
                    balance -= amt
                    if pu[2] in ("canteen", "supermarket") and rng.random() < 0.006:
                        rt = pu[0] + timedelta(minutes=rng.randint(2, 90))
                        if rt < DATA_END:
                            card.append((rt, sid, amt, "refund", pu[2], pu[3], pu[4]))
                            balance += amt
                if rng.random() < 0.02:
                    t = rnd_time(rng, day, 8, 22)
                    top = rng.choice([50, 100, 200])
                    card.append((t, sid, top, "top_up", "other", "TOPUP-APP", "移动端充值"))
                    balance += top

                for a in acc:
                    if DATA_START <= a[0] < DATA_END:
                        access.append((a[0], sid) + a[1:])
                kept = []
                for (a, b) in sorted(nets):
                    # one device per student: drop a session that overlaps one already kept
                    if any(a < kb and ka < b for (ka, kb) in kept):
                        continue
                    kept.append((a, b))
                for (a, b) in kept:
                    if b < a:
                        a, b = b, a
                    if a < DATA_START:
                        a = DATA_START + timedelta(minutes=1)
                    if b >= DATA_END:
                        b = DATA_END - timedelta(seconds=rng.randint(1, 300))
                    if b < a:
                        continue
                    net.append((a, b, sid))
        self.card_rows, self.access_rows, self.net_rows, self.att_rows, self.lms_rows = card, access, net, att, lms

    # ------------------------------------------------------------------ writers
    def build_tables(self):
        rng, fmt = self.rng, self.fmt
        T = {}
        T["students"] = [{k: v for k, v in s.items() if not k.startswith("_")} for s in self.students]
        T["staff"] = self.staff
        T["courses"] = [self.courses[k] for k in sorted(self.courses)]
        T["activities"] = [dict(activity_id=a["activity_id"], title=a["title"], category=a["category"],
                                dimension=a["dimension"], organiser=a["organiser"],
                                start_ts=fmt.ts(a["_start"], 6, 1, 3), end_ts=fmt.ts(a["_end"], 6, 1, 3),
                                location=a["location"]) for a in self.activities]

        rows = []
        seq_by_day = {}
        for (t, sid, amt, kind, cat, mid, loc) in sorted(self.card_rows, key=lambda r: (r[0], r[1])):
            d = t.strftime("%Y%m%d")
            seq_by_day[d] = seq_by_day.get(d, 0) + 1
            rows.append(dict(txn_id="T%s%06d" % (d, seq_by_day[d]), student_id=sid, ts=fmt.ts(t, 2, 1, 7),
                             amount=money(amt), kind=kind, merchant_category=cat,
                             merchant_id=mid if rng.random() > 0.01 else "", location=loc))
        T["card_transactions"] = rows

        rows = []
        for i, (t, sid, ptype, pid, d) in enumerate(sorted(self.access_rows, key=lambda r: (r[0], r[1])), 1):
            rows.append(dict(event_id="AE%08d" % i, student_id=sid, ts=fmt.ts(t, 7, 1, 2), place_type=ptype,
                             place_id=pid, direction=d))
        T["access_events"] = rows

        rows = []
        for i, (a, b, sid) in enumerate(sorted(self.net_rows, key=lambda r: (r[0], r[2])), 1):
            dur = (b - a).total_seconds()
            bi = int(dur * rng.uniform(2e3, 6e4)) if rng.random() > 0.03 else None
            bo = int(bi * rng.uniform(0.03, 0.2)) if bi is not None else None
            rows.append(dict(session_id="NS%s%07d" % (a.strftime("%y%m%d"), i), student_id=sid,
                             start_ts=fmt.ts(a, 2, 6, 2), end_ts=fmt.ts(b, 2, 6, 2),
                             bytes_in="" if bi is None else str(bi), bytes_out="" if bo is None else str(bo)))
        T["network_sessions"] = rows

        rows = []
        for i, (t, sid, cid, st) in enumerate(sorted(self.att_rows, key=lambda r: (r[0], r[2], r[1])), 1):
            rows.append(dict(record_id="AT%07d" % i, student_id=sid, course_id=cid, session_ts=fmt.ts(t, 5, 0.5, 4.5),
                             status=st))
        T["attendance"] = rows

        rows = []
        for i, (t, sid, cid, typ, clicks) in enumerate(sorted(self.lms_rows, key=lambda r: (r[0], r[1], r[2], r[3])), 1):
            rows.append(dict(event_id="LE%08d" % i, student_id=sid, course_id=cid, ts=fmt.ts(t, 3, 5, 2),
                             activity_type=typ, clicks=str(clicks)))
        T["learning_events"] = rows

        T["library_loans"] = self.make_loans()
        T["coursework"] = self.make_coursework()
        T["grades"] = self.make_grades()
        T["participation"] = self.make_participation()
        T["process_records"] = self.make_process_records()
        T["assessments"] = self.make_assessments()
        T["awards"] = self.make_awards(T["grades"])
        self.tables = T

    def make_loans(self):
        rng, fmt = self.rng, self.fmt
        clcs = {"01": ["TP", "TP", "TP", "O", "TN", "I", "K"], "02": ["F", "F", "F", "C", "D", "I", "K"],
                "03": ["H", "H", "H", "I", "I", "K", "G"]}
        lib_in = {}
        for (t, sid, ptype, pid, d) in self.access_rows:
            if ptype == "library" and d == "in":
                lib_in.setdefault(sid, []).append(t)
        raw = []
        for s in self.students:
            sid = s["student_id"]
            for t in sorted(lib_in.get(sid, [])):
                if rng.random() < 0.22:
                    b = t + timedelta(minutes=rng.randint(5, 90))
                    for _ in range(rng.choice([1, 1, 1, 2, 3])):
                        raw.append((b + timedelta(seconds=rng.randint(0, 120)), sid, rng.choice(clcs[s["_code"]])))
            # some students borrow without visiting often (quick pick-up)
            if rng.random() < 0.06 and not s["_off"] and s["status"] == "active":
                b = rnd_time(rng, rng.choice(DAYS[:12]), 12.0, 13.5)
                raw.append((b, sid, rng.choice(clcs[s["_code"]])))
        rows = []
        for i, (b, sid, clc) in enumerate(sorted(raw), 1):
            due = b + timedelta(days=30)
            due = datetime(due.year, due.month, due.day, 23, 59, 59)
            ret = ""
            if rng.random() < 0.25:
                r = b + timedelta(days=rng.uniform(0.5, 9))
                if r < DATA_END - timedelta(hours=1) and 8 <= r.hour < 22:
                    ret = fmt.ts(r, 4, 1, 5)
            rows.append(dict(loan_id="L%s%05d" % (b.strftime("%Y%m"), i), student_id=sid,
                             book_id="%s%07d" % ("B", rng.randint(1000000, 2999999)),
                             clc_class=clc if rng.random() > 0.05 else "", borrowed_at=fmt.ts(b, 4, 1, 5),
                             due_at=fmt.ts(due, 4, 1, 5) if rng.random() > 0.02 else "", returned_at=ret))
        return rows

    def make_coursework(self):
        rng, fmt = self.rng, self.fmt
        rows = []
        items_by_course = {}
        for gk, tt in sorted(self.timetable.items()):
            for cid in sorted({x[2] for x in tt}):
                if cid.startswith("PE") or cid in items_by_course:
                    continue
                sess = sorted([x for x in tt if x[2] == cid])
                its = [("第1次作业", "5", at(date(2025, 9, 14), 23, 59, 0)),
                       ("第2次作业", "5", at(date(2025, 9, 21), 23, 59, 0))]
                if rng.random() < 0.4:
                    w, per = sess[0][0], sess[0][1]
                    its.append(("课堂测验1", "10", at(WEEK2 + timedelta(days=w), *PERIODS[per][1])))
                if rng.random() < 0.5:
                    its.append(("第3次作业", "5", at(date(2025, 9, 28), 23, 59, 0)))
                if rng.random() < 0.2:
                    its.append(("课堂表现", "10", None))
                items_by_course[cid] = its
        n = 0
        for s in self.students:
            if s["status"] != "active":
                continue
            sid = s["student_id"]
            p0 = s["_p"]
            cids = sorted({x[2] for x in self.timetable[(s["_code"], s["_key"], s["cohort"])]})
            for cid in cids:
                for (item, weight, due) in items_by_course.get(cid, []):
                    n += 1
                    p = self.day_params(s, due.date() if due else date(2025, 9, 21))
                    sub = None
                    if due is None:
                        sub, score = None, score_text(rng.gauss(p0["ability"] + 8, 6)) if rng.random() < 0.5 else ""
                        rows.append(self._cw(n, sid, cid, item, weight, None, None, score))
                        continue
                    dil = p["diligence"]
                    if due > DATA_END:  # not due yet: early birds only
                        if rng.random() < 0.25 * dil:
                            sub = due - timedelta(days=rng.uniform(7.2, 12))
                        rows.append(self._cw(n, sid, cid, item, weight, due, sub, ""))
                        continue
                    r = rng.random()
                    if r < dil * 0.95:
                        sub = due - timedelta(hours=rng.uniform(0.05, 70))
                    elif r < dil and due < datetime(2025, 9, 20):
                        sub = due + timedelta(hours=rng.uniform(0.2, 40))  # late
                    if sub is not None and sub < datetime(2025, 9, 8, 12):
                        sub = datetime(2025, 9, 8, 12) + timedelta(minutes=rng.randint(0, 600))
                    if sub is not None and sub >= DATA_END:
                        sub = DATA_END - timedelta(minutes=rng.randint(3, 60))
                    marked = due < datetime(2025, 9, 16) or (due < DATA_END and rng.random() < 0.45)
                    if sub is None:
                        score = "0" if (marked and rng.random() < 0.4) else ""
                    else:
                        score = score_text(rng.gauss(p0["ability"] + 6, 8)) if marked else ""
                    rows.append(self._cw(n, sid, cid, item, weight, due, sub, score))
        return rows

    def _cw(self, n, sid, cid, item, weight, due, sub, score):
        fmt = self.fmt
        return dict(record_id="CW%07d" % n, student_id=sid, course_id=cid, term=CURRENT_TERM, item=item,
                    weight=weight, due_at=fmt.ts(due, 6, 1, 3) if due else "",
                    submitted_at=fmt.ts(sub, 6, 1, 3) if sub else "", score=score)

    def make_grades(self):
        rng = self.rng
        rows = []
        rec_dates = {}
        self.cheater = None
        for s in self.students:
            sem_prev = s["_sem"] - 1
            if sem_prev < 1:
                continue
            sid = s["student_id"]
            ab = s["_p"]["ability"]
            cids = self.course_list(s["_code"], s["_key"], sem_prev)
            failed = []
            for cid in cids:
                if cid not in rec_dates:
                    rec_dates[cid] = date(2025, 7, 1) + timedelta(days=rng.randint(0, 11))
                rec = rec_dates[cid]
                status, score = "normal", rng.gauss(ab, 8.5)
                if cid.startswith("PE"):
                    score = rng.gauss(84, 6)
                if sid == "2022030204":
                    score = rng.uniform(38, 56) if cid in cids[:3] else rng.uniform(61, 70)
                r = rng.random()
                if r < 0.004:
                    status = "absent"
                elif r < 0.007:
                    status = "deferred"
                elif self.cheater is None and sid.startswith("2023") and sid[4:6] == "02" and rng.random() < 0.05:
                    status = "cheating"
                    self.cheater = sid
                txt = score_text(score) if status == "normal" else ""
                rows.append(dict(student_id=sid, course_id=cid, term=PREVIOUS_TERM, attempt="1", score=txt,
                                 status=status, recorded_at=rec.isoformat()))
                if status in ("absent", "cheating") or (status == "normal" and float(txt) < 60):
                    failed.append((cid, status))
            for (cid, status) in failed:
                if status == "cheating":
                    continue  # no make-up after cheating
                if rng.random() < 0.35 or sid == "2022030204":
                    rec = date(2025, 7, 21) + timedelta(days=rng.randint(0, 6))
                    sc = rng.uniform(60, 78) if rng.random() < 0.8 else rng.uniform(40, 59)
                    if sid == "2022030204":
                        sc = 51.0 if cid == failed[0][0] else rng.uniform(61, 72)
                    rows.append(dict(student_id=sid, course_id=cid, term=PREVIOUS_TERM, attempt="2",
                                     score=score_text(sc), status="normal", recorded_at=rec.isoformat()))
        return rows

    def make_participation(self):
        rng = self.rng
        rows = []
        n = 0
        active = [s for s in self.students if s["status"] == "active"]
        for a in self.activities:
            day = a["_start"].date()
            cands = active
            if a["title"].startswith(("迎新", "主题班会")):
                cands = [s for s in active if s["cohort"] == "2025"]
            if a["category"] == "party":
                cands = [s for s in active if s["political_status"] in ("party_member", "probationary_member", "activist")]
            if a["title"].startswith("程序设计"):
                cands = [s for s in active if s["_code"] == "01"]
            if a["title"].startswith("英语角"):
                cands = [s for s in active if s["_code"] == "03" or rng.random() < 0.1]
            if a["category"] == "career":
                cands = [s for s in active if s["cohort"] in ("2022", "2023")]
            k = min(len(cands), rng.randint(12, 45))
            chosen = rng.sample(cands, k)
            chosen.sort(key=lambda s: s["student_id"])
            for i, s in enumerate(chosen):
                sid = s["student_id"]
                if sid in PLANTED and day >= WEEK2 and sid != "2023020203":
                    continue
                role = "participant"
                if i < 2:
                    role = "organiser"
                elif rng.random() < 0.12:
                    role = "volunteer"
                hours = a["_dur"] if role != "organiser" else a["_dur"] + rng.choice([1, 2])
                if rng.random() < 0.08:
                    hours = max(0.0, hours - rng.choice([0.5, 1.0]))
                n += 1
                verified = "true" if (day < date(2025, 9, 19) and rng.random() < 0.92) else "false"
                htxt = ("%g" % hours) if hours != int(hours) else str(int(hours))
                rows.append(dict(participation_id="P%06d" % n, student_id=sid, activity_id=a["activity_id"], role=role,
                                 hours=htxt, verified=verified))
        return rows

    def make_process_records(self):
        rng, fmt = self.rng, self.fmt
        raw = []
        active = [s for s in self.students if s["status"] == "active"]
        talk_summaries = [
            "了解开学适应情况，学生状态良好，无特殊需求。", "新学期学业规划沟通，目标明确。",
            "宿舍关系沟通，已协调，双方表示理解。", "了解假期实习情况，鼓励参加学科竞赛。",
            "谈心谈话：近期压力略大，已给出时间管理建议。", "家庭经济情况了解，介绍勤工助学岗位。",
            "学生主动来访，咨询转专业政策。", "班委工作交流，布置本周班会任务。",
        ]
        mentor_summaries = [
            "讨论本学期选课与学习计划。", "指导课程设计选题。", "交流科研兴趣，推荐阅读文献两篇。",
            "复盘上学期成绩，制定补弱计划。", "讨论竞赛组队事宜。", "毕业设计方向初步沟通。",
        ]
        # counsellor talks, ordinary
        for _ in range(46):
            s = rng.choice(active)
            day = rng.choice(DAYS[:12])
            if day.weekday() >= 5:
                day -= timedelta(days=2)
            raw.append((rnd_time(rng, day, 9, 17.5), s["student_id"], s["counsellor_id"], "talk",
                        rng.choice([15, 20, 30, 30, 40, 60]), rng.choice(talk_summaries),
                        rng.choice(["0", "0", "0", "1", ""])))
        for _ in range(60):
            s = rng.choice([x for x in active if x["mentor_id"]])
            day = rng.choice(DAYS)
            raw.append((rnd_time(rng, day, 9, 21), s["student_id"], s["mentor_id"], "mentor_meeting",
                        rng.choice([20, 30, 45, 60, 90, None]), rng.choice(mentor_summaries), rng.choice(["0", "1", ""])))
        for _ in range(5):
            s = rng.choice(active)
            raw.append((rnd_time(rng, rng.choice(DAYS[:12]), 14, 17), s["student_id"], "0004", "leader_visit",
                        30, "学院领导走访宿舍，了解生活与学习情况。", "0"))
        seniors = [s for s in active if s["cohort"] == "2022"]
        for s in rng.sample(seniors, 14):
            raw.append((rnd_time(rng, rng.choice(DAYS[:12]), 9, 17), s["student_id"], "0005", "career_guidance",
                        rng.choice([30, 45, 60]), rng.choice(["简历修改指导。", "考研与就业选择咨询。", "模拟面试与反馈。"]),
                        rng.choice(["0", "1"])))
        members = [s for s in active if s["political_status"] in ("party_member", "probationary_member", "activist")]
        for s in rng.sample(members, 10):
            raw.append((rnd_time(rng, DAYS[4], 19, 19.2), s["student_id"], "0006", "party_activity",
                        120, "参加支部主题党日活动。", ""))
        for s in rng.sample(active, 3):
            raw.append((rnd_time(rng, rng.choice(DAYS[:10]), 9, 17), s["student_id"], "0003", "psych_consult",
                        50, "一般心理咨询，情绪稳定，约定视需要再次预约。", "0"))
        # planted students
        raw.append((at(date(2025, 9, 19), 15, 10, 21), "2023010105", "0001", "talk", 45,
                    "近一周作息明显不规律，多次夜归、早餐缺勤，缺课增多。已谈心并提醒，约定下周回访，告知心理中心预约方式。", "1"))
        raw.append((at(date(2025, 9, 18), 10, 30, 5), "2024020107", "0002", "talk", 40,
                    "学生表示近期生活费紧张，已介绍临时困难补助与勤工助学岗位申请流程。", "1"))
        raw.append((at(date(2025, 9, 20), 19, 0, 0), "2024020107", "0002", "home_visit", 35,
                    "电话家访：家中突发变故，收入减少。已与家长沟通资助政策。", "1"))
        raw.append((at(date(2025, 9, 16), 16, 0, 12), "2022030204", "0001", "talk", 30,
                    "上学期三门课程不及格，学业预警谈话；本周缺课较多，提醒按时上课并制定重修计划。", "1"))
        raw.append((at(date(2025, 9, 19), 14, 0, 0), "2025010209", "0003", "psych_consult", 50,
                    "入学心理普查结果提示关注，首次咨询，适应困难、睡眠差，约定每周随访。", "1"))
        raw.append((at(date(2025, 9, 12), 9, 20, 44), "2025010209", "0002", "talk", 20,
                    "新生入学适应谈话，心理普查结果已转介心理中心。", "1"))
        raw.sort(key=lambda r: (r[0], r[1]))
        rows = []
        for i, (t, sid, staff, kind, dur, summ, fu) in enumerate(raw, 1):
            rows.append(dict(record_id="PR%s%03d" % (t.strftime("%Y%m%d"), i), student_id=sid, staff_id=staff,
                             ts=fmt.ts(t, 3, 0, 7), kind=kind, duration_min="" if dur is None else str(dur),
                             summary=summ, follow_up=fu))
        return rows

    def make_assessments(self):
        rng, fmt = self.rng, self.fmt
        raw = []
        for s in self.students:
            sid = s["student_id"]
            if s["cohort"] == "2025":
                t = rnd_time(rng, date(2025, 9, 9) + timedelta(days=rng.randint(0, 2)), 14.0, 17.0)
                sc = max(90, int(rng.gauss(128, 20)))
                if sid == "2025010209":
                    sc = 221
                raw.append((t, sid, "psych_screening", str(sc)))
            if s["cohort"] in ("2023", "2024") and s["degree_level"] == "undergraduate" and s["status"] == "active":
                if sid == "2023020203":
                    continue  # missed the fitness test day
                t = rnd_time(rng, date(2025, 9, 15) + timedelta(days=rng.randint(0, 4)), 14.0, 17.5)
                sc = min(98.0, max(42.0, rng.gauss(76, 9)))
                raw.append((t, sid, "physical_fitness", "%.1f" % sc))
        raw.append((at(date(2025, 9, 19), 16, 20, 0), "2023010105", "psych_screening", "176"))
        raw.sort(key=lambda r: (r[0], r[1]))
        rows = []
        for i, (t, sid, kind, sc) in enumerate(raw, 1):
            v = float(sc)
            if kind == "psych_screening":
                level = "normal" if v < 160 else ("attention" if v < 200 else "high_risk")
            else:
                level = "excellent" if v >= 90 else ("good" if v >= 80 else ("pass" if v >= 60 else "fail"))
            rows.append(dict(assessment_id="AS%05d" % i, student_id=sid, ts=fmt.ts(t, 5, 1, 4), kind=kind, score=sc,
                             level=level))
        return rows

    def make_awards(self, grades):
        rng = self.rng
        # rank last term by mean first-attempt score
        agg = {}
        for g in grades:
            if g["attempt"] == "1" and g["status"] == "normal" and g["score"]:
                a = agg.setdefault(g["student_id"], [0.0, 0])
                a[0] += float(g["score"])
                a[1] += 1
        ranked = sorted(agg, key=lambda k: (-agg[k][0] / agg[k][1], k))
        rows = []
        n = 0

        def add(sid, d, kind, level, title):
            nonlocal n
            n += 1
            rows.append(dict(record_id="AW2025%04d" % n, student_id=sid, ts=d, kind=kind, level=level, title=title))

        for sid in ranked[:2]:
            add(sid, "2025-09-12", "scholarship", "national", "国家奖学金")
        for sid in ranked[2:6]:
            add(sid, "2025-09-12", "scholarship", "school", "校一等奖学金")
        for sid in ranked[6:16]:
            add(sid, "2025-09-12", "scholarship", "school", "校二等奖学金")
        for sid in ranked[16:22]:
            add(sid, "2025-09-12", "honour", "school", "三好学生")
        for sid in rng.sample(ranked[10:60], 4):
            add(sid, "2025-09-12", "honour", "school", "优秀学生干部")
        cs = [s["student_id"] for s in self.students if s["_code"] == "01" and s["cohort"] in ("2022", "2023")]
        for sid in rng.sample(sorted(cs), 3):
            add(sid, "2025-09-10", "competition", "provincial", "全国大学生数学建模竞赛省级一等奖")
        add(rng.choice(sorted(cs)), "2025-09-16", "competition", "national", "中国大学生计算机设计大赛国家级三等奖")
        lang = [s["student_id"] for s in self.students if s["_code"] == "03"]
        add(rng.choice(sorted(lang)), "2025-09-18", "competition", "provincial", "外研社杯英语演讲大赛省级二等奖")
        if self.cheater:
            add(self.cheater, "2025-09-09", "disciplinary", "serious_warning", "考试作弊")
        dorm_students = [s["student_id"] for s in self.students if s["dorm_building"] and s["status"] == "active"
                         and s["student_id"] not in PLANTED]
        add(rng.choice(sorted(dorm_students)), "2025-09-16", "disciplinary", "warning", "宿舍违规使用大功率电器")
        rows.sort(key=lambda r: (r["ts"], r["record_id"]))
        return rows


# The academic calendar (校历) of the last and the current term.
CALENDAR = [
    ("2025-02-17", "2025-07-06", "term", "2024-2025-2", ""),
    ("2025-02-17", "2025-06-08", "teaching", "2024-2025-2", ""),
    ("2025-04-04", "2025-04-06", "holiday", "2024-2025-2", "清明节"),
    ("2025-05-01", "2025-05-05", "holiday", "2024-2025-2", "劳动节"),
    ("2025-05-31", "2025-06-02", "holiday", "2024-2025-2", "端午节"),
    ("2025-06-09", "2025-07-06", "exam", "2024-2025-2", ""),
    ("2025-07-07", "2025-08-31", "vacation", "", "暑假"),
    ("2025-09-01", "2026-01-11", "term", CURRENT_TERM, ""),
    ("2025-09-01", "2025-12-21", "teaching", CURRENT_TERM, ""),
    ("2025-10-01", "2025-10-08", "holiday", CURRENT_TERM, "国庆节·中秋节"),
    ("2025-12-22", "2026-01-11", "exam", CURRENT_TERM, ""),
    ("2026-01-01", "2026-01-01", "holiday", CURRENT_TERM, "元旦"),
    ("2026-01-12", "2026-03-01", "vacation", "", "寒假"),
]


def calendar_and_leave(g):
    """calendar and leave_requests, from their own random streams so that every other file
    stays byte-identical to the sample made before these two kinds existed.

    No student of the sample leaves campus over a weekend, so leave in the two weeks is
    short: sick leave (the student stays in the dorm), personal leave of a few hours (some
    refused, one never reported back), and National Day home leave filed ahead (planned
    start after the clock, not yet returned)."""
    rng = random.Random(SEED + 7)
    fmt = Fmt(SEED + 8)
    g.tables["calendar"] = [dict(start_date=a, end_date=b, kind=k, term=t, name=n) for (a, b, k, t, n) in CALENDAR]
    no_leave = set(PLANTED) | {SUSPENDED}
    residents = [s["student_id"] for s in g.students
                 if s["dorm_building"] and s["status"] == "active" and s["student_id"] not in no_leave]
    rows = []

    def add(sid, kind, start, end, approved, returned):
        rows.append(dict(leave_id="LV%05d" % (len(rows) + 1), student_id=sid, kind=kind, start_ts=fmt.ts(start, 6, 1, 3),
                         end_ts=fmt.ts(end, 6, 1, 3), approved="true" if approved else "false",
                         returned_at=fmt.ts(returned, 6, 1, 3) if returned else ""))

    for d in DAYS:
        if d.weekday() >= 5:
            continue
        for sid in rng.sample(residents, 2):
            if rng.random() < 0.5:
                start = datetime(d.year, d.month, d.day, 8, 0) + timedelta(minutes=rng.randrange(0, 90))
                end = start + timedelta(days=rng.choice([1, 2]))
                back = end - timedelta(minutes=rng.randrange(10, 120)) if end < DATA_END else None
                add(sid, "sick", start, end, True, back)
            else:
                start = datetime(d.year, d.month, d.day, 13, 0) + timedelta(minutes=rng.randrange(0, 120))
                end = start + timedelta(hours=rng.choice([3, 4, 5]))
                approved = rng.random() < 0.8
                back = end - timedelta(minutes=rng.randrange(0, 60)) if approved and rng.random() < 0.9 else None
                add(sid, "personal", start, end, approved, back)
    for sid in sorted(rng.sample(residents, 90)):
        start = datetime(2025, 9, 30, 12, 0) + timedelta(minutes=rng.randrange(0, 600))
        end = datetime(2025, 10, 8, 14, 0) + timedelta(minutes=rng.randrange(0, 360))
        add(sid, "home", start, end, rng.random() < 0.97, None)
    g.tables["leave_requests"] = rows


def tt_has(tt, wd, per):
    return any(x[0] == wd and x[1] == per for x in tt)


COLUMNS = {
    "students": ["student_id", "name", "gender", "college", "major", "class_id", "cohort", "degree_level",
                 "dorm_building", "dorm_floor", "dorm_room", "counsellor_id", "mentor_id", "political_status",
                 "hometown_province", "financial_aid_level", "status"],
    "staff": ["staff_id", "name", "role", "college", "building"],
    "courses": ["course_id", "course_name", "credits", "category", "college"],
    "activities": ["activity_id", "title", "category", "dimension", "organiser", "start_ts", "end_ts", "location"],
    "calendar": ["start_date", "end_date", "kind", "term", "name"],
    "card_transactions": ["txn_id", "student_id", "ts", "amount", "kind", "merchant_category", "merchant_id", "location"],
    "access_events": ["event_id", "student_id", "ts", "place_type", "place_id", "direction"],
    "network_sessions": ["session_id", "student_id", "start_ts", "end_ts", "bytes_in", "bytes_out"],
    "library_loans": ["loan_id", "student_id", "book_id", "clc_class", "borrowed_at", "due_at", "returned_at"],
    "attendance": ["record_id", "student_id", "course_id", "session_ts", "status"],
    "learning_events": ["event_id", "student_id", "course_id", "ts", "activity_type", "clicks"],
    "coursework": ["record_id", "student_id", "course_id", "term", "item", "weight", "due_at", "submitted_at", "score"],
    "grades": ["student_id", "course_id", "term", "attempt", "score", "status", "recorded_at"],
    "participation": ["participation_id", "student_id", "activity_id", "role", "hours", "verified"],
    "process_records": ["record_id", "student_id", "staff_id", "ts", "kind", "duration_min", "summary", "follow_up"],
    "assessments": ["assessment_id", "student_id", "ts", "kind", "score", "level"],
    "awards": ["record_id", "student_id", "ts", "kind", "level", "title"],
    "leave_requests": ["leave_id", "student_id", "kind", "start_ts", "end_ts", "approved", "returned_at"],
}


def write_csv(path, cols, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])
    data = buf.getvalue().encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def write_ndjson(path, cols, rows):
    lines = []
    for r in rows:
        parts = []
        for c in cols:
            v = r[c]
            if v == "":
                val = "null"
            elif c == "amount":
                val = v  # a JSON number, written exactly as in the CSV (e.g. 12.50)
            else:
                val = json.dumps(v, ensure_ascii=False)
            parts.append("%s:%s" % (json.dumps(c), val))
        lines.append("{" + ",".join(parts) + "}\n")
    data = "".join(lines).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def week_stats(g):
    """Per-week meals / breakfast days / late returns / attendance for the README's planted table."""
    out = {}
    for sid in PLANTED:
        st = {}
        for wk, lo in ((1, FIRST_DAY), (2, WEEK2)):
            hi = lo + timedelta(days=7)
            meals, bdays = set(), set()
            for (t, s, amt, kind, cat, mid, loc) in g.card_rows:
                if s != sid or kind != "purchase" or cat != "canteen" or not (lo <= t.date() < hi):
                    continue
                h = t.hour + t.minute / 60
                slot = "b" if 6 <= h < 10 else ("l" if 10 <= h < 14.5 else ("d" if 16 <= h < 20.5 else None))
                if slot:
                    meals.add((t.date(), slot))
                if slot == "b":
                    bdays.add(t.date())
            nights = set()
            for (t, s, ptype, pid, d) in g.access_rows:
                if s != sid or ptype != "dorm" or d != "in":
                    continue
                h = t.hour + t.minute / 60
                if h >= 23.5 or h < 5:
                    night = t.date() - timedelta(days=1) if h < 5 else t.date()
                    if lo <= night < hi:
                        nights.add(night)
            pres = sum(1 for (t, s, c, x) in g.att_rows if s == sid and lo <= t.date() < hi and x in ("present", "late"))
            tot = sum(1 for (t, s, c, x) in g.att_rows if s == sid and lo <= t.date() < hi and x in ("present", "late", "absent"))
            night_h = 0.0
            for (a, b, s) in g.net_rows:
                if s != sid:
                    continue
                d = datetime(lo.year, lo.month, lo.day)
                for k in range(8):
                    n0 = d + timedelta(days=k)
                    n1 = n0 + timedelta(hours=6)
                    if n0.date() >= hi:
                        break
                    ov = (min(b, n1) - max(a, n0)).total_seconds()
                    if ov > 0:
                        night_h += ov / 3600
            st[wk] = (len(meals), len(bdays), len(nights), "%d/%d" % (pres, tot), "%.1f" % night_h)
        out[sid] = st
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(here), "sample_data"))
    args = ap.parse_args()
    g = Gen()
    g.make_courses()
    g.make_staff()
    g.make_students()
    g.make_timetables()
    g.make_activities()
    g.profiles()
    g.simulate()
    g.build_tables()
    calendar_and_leave(g)
    camp = os.path.join(args.out, "campus")
    nd = os.path.join(args.out, "campus-ndjson")
    os.makedirs(camp, exist_ok=True)
    os.makedirs(nd, exist_ok=True)
    sizes = {}
    for kind, cols in COLUMNS.items():
        rows = g.tables[kind]
        sizes[kind] = (len(rows), write_csv(os.path.join(camp, kind + ".csv"), cols, rows))
    nd_size = write_ndjson(os.path.join(nd, "card_transactions.ndjson"), COLUMNS["card_transactions"],
                           g.tables["card_transactions"])
    write_readme(os.path.join(camp, "README.md"), g, sizes, nd_size)
    total = sum(v[1] for v in sizes.values())
    for kind, (n, b) in sizes.items():
        print("%-20s %7d rows %9d bytes" % (kind, n, b))
    print("%-20s %7s      %9d bytes" % ("total csv", "", total))
    print("%-20s %7s      %9d bytes" % ("ndjson", "", nd_size))


def write_readme(path, g, sizes, nd_size):
    st = week_stats(g)
    total = sum(v[1] for v in sizes.values())
    n_off = sum(1 for s in g.students if not s["dorm_building"])
    cnt = {}
    for s in g.students:
        cnt[s["counsellor_id"]] = cnt.get(s["counsellor_id"], 0) + 1
    ml = {}
    for s in g.students:
        if s["mentor_id"]:
            ml[s["mentor_id"]] = ml.get(s["mentor_id"], 0) + 1
    L = []
    L.append("# Sample campus (fabricated)\n")
    L.append("A small, realistic, entirely fabricated campus for demos and tests of `radar`: all 18 record kinds of")
    L.append("`shared/spec/campus-records.md`, one CSV per kind (UTF-8, header row, the contract's column names in")
    L.append("the contract's order). Names, ids and free text are invented; any resemblance to real people is chance.\n")
    L.append("**Generated** by `scripts/make_sample_data.py` (Python 3 standard library, fixed seed %d, byte-identical on" % SEED)
    L.append("every run). Regenerate from the repository root with:\n")
    L.append("```\npython3 scripts/make_sample_data.py\n```\n")
    L.append("**Ingest** with the clock the data were made for: every row is valid (no quarantine, no duplicates):\n")
    L.append("```\nradar --now %s --tz Asia/Shanghai ingest sample_data/campus/\n```\n" % CLOCK)
    L.append("## What is in it\n")
    L.append("- Period: two weeks, Monday 2025-09-08 to Sunday 2025-09-21 (local, Asia/Shanghai); term `%s`." % CURRENT_TERM)
    L.append("  No event time is on or after 2025-09-22 00:00 local except `due_at` of coursework not yet due.")
    L.append("  Grades are last term's (`%s`, `recorded_at` in July 2025)." % PREVIOUS_TERM)
    L.append("- %d students: 3 colleges (计算机科学与技术学院, 经济管理学院, 外国语学院), 6 majors, cohorts 2022-2025," % len(g.students))
    L.append("  one class of 12 per major and cohort (`计科2301` ...) plus 12 master students (cohorts 2024, 2025, class `计硕2401`/`计硕2501`).")
    L.append("  Student ids are `cohort + college(2) + major(2) + seq(2)`, e.g. `2023010123`.")
    L.append("  %d live off campus (empty `dorm_building`, `dorm_floor`, `dorm_room`): they use the campus gates, not a dorm." % n_off)
    L.append("  `%s` is `suspended` and has no events (only last term's grades)." % SUSPENDED)
    L.append("- %d staff; ids keep leading zeros (`0001`...). Counsellors `0001` (cohorts 2022-2023, %d students) and" % (len(g.staff), cnt.get("0001", 0)))
    L.append("  `0002` (cohorts 2024-2025, %d students); psychologist `0003`, leaders `0004`, `0007`, career advisor `0005`," % cnt.get("0002", 0))
    L.append("  party secretary `0006`; %d mentors with at most %d students each (foreign-language freshmen have no mentor yet)." % (len(ml), max(ml.values())))
    L.append("- %d courses (credits 1-5, some 1.5/2.5/3.5): this term's timetable gives each class 3-8 courses, one or two" % len(g.courses))
    L.append("  sessions a week in periods 08:00, 10:00, 14:00, 16:00 (electives at 19:00); PE is held in the gym.")
    L.append("- card_transactions: canteen meals in breakfast/lunch/dinner peaks (一食堂, 二食堂, 清真餐厅, a late-night window),")
    L.append("  supermarket, shower, water, laundry, print, bus and other; `top_up` when the simulated balance runs low,")
    L.append("  occasional `refund` of a purchase (same amount, same merchant). A few rows have an empty `merchant_id`.")
    L.append("- access_events: dorm out/in (lunch-time returns, evening returns, some after 23:30 and after midnight),")
    L.append("  teaching_building in (out not always registered), library (regulars; some step out and re-enter within")
    L.append("  30 minutes, some after a longer break), gym, campus_gate (off-campus students, weekend outings).")
    L.append("- network_sessions: Wi-Fi in class and library, long dorm sessions in the evening, many across midnight;")
    L.append("  night owls online 00:00-06:00; about 3% of sessions have empty `bytes_in`/`bytes_out`.")
    loans = g.tables["library_loans"]
    L.append("- library_loans: borrowed during library visits (and a few quick pick-ups), due 30 days later at 23:59:59;")
    L.append("  %d of %d already returned (empty `returned_at` = still out)." % (sum(1 for r in loans if r["returned_at"]), len(loans)))
    L.append("- attendance: one row per student and timetabled session, mostly present, some late/absent, a few excused.")
    L.append("- learning_events: LMS events with clicks >= 1; 大学英语 (`EN...`) courses come from a platform that exports")
    L.append("  daily totals, so their `ts` is 00:00 local of the day.")
    L.append("- coursework: assignments due 09-14 and 09-21 23:59, some quizzes in week 2, some due 09-28 (not yet due;")
    L.append("  only early submissions), some `课堂表现` items with no `due_at`. Late submissions have `submitted_at > due_at`;")
    L.append("  missing work has an empty `submitted_at` (sometimes score `0`, usually empty). Weights are percents.")
    L.append("- grades: first attempts for cohorts 2022-2024 (and 2024 masters) with some failures, a few `absent`, `deferred`")
    L.append("  and one `cheating` (empty score), and make-up exams (`attempt` 2, recorded 2025-07-21..27).")
    L.append("- activities (18, all inside the two weeks) and participation (roles, hours, `verified` true/false).")
    L.append("- process_records: counsellor talks, mentor meetings, leader visits, career guidance, party activity,")
    L.append("  psych consults, one home visit; free-text `summary` (personal data); `follow_up` as `1`/`0`/empty.")
    L.append("- assessments: `psych_screening` of all 2025 freshmen on 09-09..11 (SCL-90-style total; level normal <160,")
    L.append("  attention <200, high_risk) plus one re-screening, and `physical_fitness` (0-100, level excellent/good/pass/fail)")
    L.append("  of cohorts 2023-2024 in week 2.")
    L.append("- awards: scholarships and honours (2025-09-12), competitions, two disciplinary records.")
    L.append("- calendar (校历): last and this term with their teaching and exam weeks, the public holidays (清明节,")
    L.append("  劳动节, 端午节, 国庆节·中秋节, 元旦) and the summer and winter vacations.")
    lv = g.tables["leave_requests"]
    L.append("- leave_requests (请销假): %d sick and personal leaves in the two weeks (the student stays on campus; some" % sum(1 for r in lv if r["kind"] != "home"))
    L.append("  personal leave refused, `approved` false; a few never reported back, empty `returned_at`) and %d" % sum(1 for r in lv if r["kind"] == "home"))
    L.append("  National Day `home` leaves filed ahead (planned from 2025-09-30, after the clock: a planned start or end")
    L.append("  is no `future_timestamp`). No student of the sample leaves over a weekend, and the planted students")
    L.append("  (below) file no leave: `2023020203`'s two silent days are unannounced.\n")
    L.append("Timestamp forms are mixed across rows, as real exports are: `2025-09-08T07:42:13+08:00`,")
    L.append("`2025-09-07T23:42:13Z` (the same instant in UTC) and naive local `2025-09-08 07:42:13` (Asia/Shanghai);")
    L.append("each kind has its own mix (card mostly naive, access mostly `+08:00`, network mostly `Z`). Dates are")
    L.append("`YYYY-MM-DD`. Amounts are yuan with two decimals; booleans are `true`/`false` (participation) and `1`/`0`")
    L.append("(process_records).\n")
    L.append("## Sizes\n")
    L.append("| file | rows | bytes |")
    L.append("|---|---:|---:|")
    for kind, (n, b) in sizes.items():
        L.append("| campus/%s.csv | %d | %d |" % (kind, n, b))
    L.append("| **total campus/** | | **%d** |" % total)
    L.append("| campus-ndjson/card_transactions.ndjson | %d | %d |\n" % (sizes["card_transactions"][0], nd_size))
    L.append("`campus-ndjson/card_transactions.ndjson` holds the same card transactions as NDJSON (keys = column names,")
    L.append("`amount` as a JSON number written as in the CSV, `null` for empty). Ingesting both the CSV and the NDJSON")
    L.append("file stores each transaction once: the second copy is all duplicates.\n")
    L.append("## Planted students\n")
    L.append("Six students are ordinary in week 1 (2025-09-08) and visibly worse in week 2 (2025-09-15), so the")
    L.append("features and warnings have something to show. Numbers below are computed by the generator with the")
    L.append("definitions of features.md (meals = distinct date+slot with a canteen purchase; late nights = nights with a")
    L.append("dorm `in` in [23:30, 05:00); attendance = (present+late)/(present+late+absent); night online = hours in")
    L.append("[00:00, 06:00)) and written as week 1 -> week 2.\n")
    L.append("| student | meals | breakfast days | late nights | attended | night online h | story |")
    L.append("|---|---|---|---|---|---|---|")
    for sid, story in PLANTED.items():
        a, b = st[sid][1], st[sid][2]
        L.append("| %s | %d -> %d | %d -> %d | %d -> %d | %s -> %s | %s -> %s | %s |" % (
            sid, a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], story))
    L.append("")
    L.append("Other deliberate details: `%s` got a `cheating` grade and a disciplinary record; a few students have" % g.cheater)
    L.append("`attempt` 2 rows; off-campus students have no dorm events, so their `late_returns` is 0 by construction.")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
