#!/usr/bin/env python3
"""Ingest benchmark: `radar ingest` of a card_transactions CSV vs DuckDB CSV -> Parquet.

For each size N (default 1,000,000 and 10,000,000 rows) this measures, on the same CPUs
(default: the first two the process may use) and in the same run:

  radar cold       `radar ingest card_transactions-N.csv` into a copy of a store that
                   already holds 30,000 students (full validation + de-duplication);
                   must store N rows and quarantine none
  radar re-ingest  the same command again on that store: every row is a duplicate
  duckdb           `COPY (FROM read_csv('card_transactions-N.csv')) TO 'out.parquet'`
                   in a fresh Python process with `SET threads=2`

Each measured command runs under a small Python wrapper process that pins the CPUs, takes
the wall time and reads `getrusage(RUSAGE_CHILDREN).ru_maxrss` — the peak RSS of the
measured process alone. Repeats are summarised by their median; the markdown table goes
to stdout and to benches/results-ingest.md.

The contract data (sections `students` and `card_transactions` of
/work/shared/spec/campus-records.md) is generated with DuckDB from the row number alone
(deterministic, no random()) and cached under the data dir; see benches/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_NOW = "2025-12-31T00:00:00+08:00"
N_STUDENTS = 30_000
# Bump when the generated data changes: cached files with another version are rebuilt.
GENERATOR_VERSION = 1

# --------------------------------------------------------------------------------------
# Data generation (DuckDB SQL). Every value is a function of the row number i through
# DuckDB's hash(); nothing depends on random(), so a given DuckDB version always writes
# the same bytes. h(k) below is an independent 64-bit hash of (i, k).
# --------------------------------------------------------------------------------------

COLLEGES = [  # (college, short name for class_id, majors)
    ("计算机科学与技术学院", "计科", ["计算机科学与技术", "软件工程"]),
    ("电子信息工程学院", "电信", ["电子信息工程", "通信工程"]),
    ("机械工程学院", "机械", ["机械设计制造及其自动化", "车辆工程"]),
    ("土木工程学院", "土木", ["土木工程", "建筑环境与能源应用工程"]),
    ("经济管理学院", "经管", ["工商管理", "会计学"]),
    ("外国语学院", "外语", ["英语", "日语"]),
    ("数学与统计学院", "数统", ["数学与应用数学", "统计学"]),
    ("物理与光电工程学院", "物理", ["应用物理学", "光电信息科学与工程"]),
    ("化学化工学院", "化工", ["化学", "化学工程与工艺"]),
    ("文学与新闻传播学院", "文新", ["汉语言文学", "新闻学"]),
    ("法学院", "法学", ["法学", "知识产权"]),
    ("艺术设计学院", "艺设", ["视觉传达设计", "环境设计"]),
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏宇浩然子轩梓涵一诺欣怡思睿博文雨萱俊杰嘉怡晨阳佳琪天佑若曦志豪雅婷")
PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏",
             "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西",
             "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆"]


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _macros() -> str:
    """Macros giving a student's attributes from its index j in [0, 30000)."""
    # 30 students a class, 1,000 classes: c = j // 30. cohort = 2022 + c % 4,
    # college = (c // 4) % 12, class number = c // 48 + 1 (1..21) — a bijection, so the
    # ids are unique. Class numbers 19-20 are master's classes, 21 doctoral.
    return f"""
CREATE OR REPLACE MACRO hh(x, k) AS ((hash(x::BIGINT * 1024 + k) >> 1)::BIGINT);
CREATE OR REPLACE MACRO s_c(j) AS (j // 30);
CREATE OR REPLACE MACRO s_cohort(j) AS (2022 + s_c(j) % 4);
CREATE OR REPLACE MACRO s_college(j) AS ((s_c(j) // 4) % 12);
CREATE OR REPLACE MACRO s_classno(j) AS (s_c(j) // 48 + 1);
CREATE OR REPLACE MACRO s_id(j) AS (
    s_cohort(j)::VARCHAR || lpad((s_college(j) + 1)::VARCHAR, 2, '0')
    || lpad(s_classno(j)::VARCHAR, 2, '0') || lpad((j % 30 + 1)::VARCHAR, 2, '0'));
CREATE OR REPLACE MACRO s_degree(j) AS (
    CASE WHEN s_classno(j) = 21 THEN 'doctoral' WHEN s_classno(j) >= 19 THEN 'master'
         ELSE 'undergraduate' END);
CREATE OR REPLACE MACRO s_male(j) AS (hh(j, 101) % 100 < 55);
CREATE OR REPLACE MACRO s_offcampus(j) AS (hh(j, 102) % 100 < 4);
CREATE OR REPLACE MACRO s_dorm(j) AS (
    CASE WHEN s_offcampus(j) THEN NULL
         WHEN s_degree(j) <> 'undergraduate' THEN CASE WHEN s_male(j) THEN 'G01' ELSE 'G02' END
         WHEN s_male(j) THEN 'D0' || (1 + hh(j, 103) % 4)::VARCHAR
         ELSE 'D0' || (5 + hh(j, 103) % 4)::VARCHAR END);
CREATE OR REPLACE MACRO colleges() AS {_sql_list(c[0] for c in COLLEGES)};
CREATE OR REPLACE MACRO college_short() AS {_sql_list(c[1] for c in COLLEGES)};
CREATE OR REPLACE MACRO majors() AS {_sql_list(m for c in COLLEGES for m in c[2])};
CREATE OR REPLACE MACRO surnames() AS {_sql_list(SURNAMES)};
CREATE OR REPLACE MACRO given() AS {_sql_list(GIVEN)};
CREATE OR REPLACE MACRO provinces() AS {_sql_list(PROVINCES)};
"""


STUDENTS_SQL = """
COPY (
  SELECT
    s_id(j) AS student_id,
    surnames()[1 + hh(j, 1) % len(surnames())]
      || given()[1 + hh(j, 2) % len(given())]
      || CASE WHEN hh(j, 3) % 3 = 0 THEN '' ELSE given()[1 + hh(j, 4) % len(given())] END
      AS name,
    CASE WHEN s_male(j) THEN 'M' ELSE 'F' END AS gender,
    colleges()[1 + s_college(j)] AS college,
    majors()[1 + 2 * s_college(j) + s_classno(j) % 2] AS major,
    college_short()[1 + s_college(j)] || right(s_cohort(j)::VARCHAR, 2)
      || lpad(s_classno(j)::VARCHAR, 2, '0') AS class_id,
    s_cohort(j) AS cohort,
    s_degree(j) AS degree_level,
    s_dorm(j) AS dorm_building,
    CASE WHEN s_offcampus(j) THEN NULL ELSE 1 + hh(j, 5) % 6 END AS dorm_floor,
    CASE WHEN s_offcampus(j) THEN NULL
         ELSE ((1 + hh(j, 5) % 6) * 100 + 1 + hh(j, 6) % 30)::VARCHAR END AS dorm_room,
    lpad((1 + s_college(j) * 4 + s_cohort(j) - 2022)::VARCHAR, 4, '0') AS counsellor_id,
    CASE WHEN s_degree(j) = 'undergraduate' AND hh(j, 7) % 10 < 4 THEN NULL
         ELSE lpad((101 + hh(j, 8) % 400)::VARCHAR, 4, '0') END AS mentor_id,
    CASE WHEN hh(j, 9) % 100 < 6 THEN 'party_member'
         WHEN hh(j, 9) % 100 < 9 THEN 'probationary_member'
         WHEN hh(j, 9) % 100 < 15 THEN 'activist'
         WHEN hh(j, 9) % 100 < 85 THEN 'league_member'
         ELSE 'masses' END AS political_status,
    CASE WHEN hh(j, 10) % 100 < 3 THEN NULL
         ELSE provinces()[1 + hh(j, 11) % len(provinces())] END AS hometown_province,
    CASE WHEN hh(j, 12) % 100 < 75 THEN 'none'
         WHEN hh(j, 12) % 100 < 90 THEN 'general'
         WHEN hh(j, 12) % 100 < 97 THEN 'hardship'
         ELSE 'special_hardship' END AS financial_aid_level,
    CASE WHEN hh(j, 13) % 1000 < 975 THEN 'active'
         WHEN hh(j, 13) % 1000 < 990 THEN 'suspended'
         WHEN hh(j, 13) % 1000 < 996 THEN 'withdrawn'
         ELSE 'graduated' END AS status
  FROM range({n_students}) t(j)
) TO '{out}' (HEADER, DELIMITER ',');
"""

# Card transactions. Term days 2025-09-08 .. 2025-12-28 (112 days, all before the bench
# clock 2025-12-31), rows in day order (as an export would be), times by category:
# ~70 % canteen purchases at breakfast/lunch/dinner, then supermarket, shower, water,
# laundry, bus, print, other; 1.5 % top_up (category other), 0.5 % refund.
CARDS_SQL = """
COPY (
  WITH base AS (
    SELECT
      i,
      hh(i, 1) % {n_students} AS j,
      (i * 112) // {n} AS day,
      hh(i, 2) % 1000 AS k_kind,
      hh(i, 3) % 100 AS k_cat,
      hh(i, 4) AS h4,
      hh(i, 5) AS h5,
      hh(i, 6) % 100 AS k_fmt,
      hh(i, 7) % 100 AS k_mid,
      hh(i, 8) % 100 AS k_loc,
      hh(i, 9) AS h9
    FROM range({n}) t(i)
  ),
  typed AS (
    SELECT *,
      CASE WHEN k_kind < 15 THEN 'top_up' WHEN k_kind < 20 THEN 'refund' ELSE 'purchase' END AS kind,
      CASE WHEN k_kind < 15 THEN 'other'
           WHEN k_kind < 20 THEN CASE WHEN k_cat < 80 THEN 'canteen' ELSE 'supermarket' END
           WHEN k_cat < 70 THEN 'canteen'
           WHEN k_cat < 81 THEN 'supermarket'
           WHEN k_cat < 88 THEN 'shower'
           WHEN k_cat < 92 THEN 'water'
           WHEN k_cat < 94 THEN 'laundry'
           WHEN k_cat < 96 THEN 'bus'
           WHEN k_cat < 98 THEN 'print'
           ELSE 'other' END AS cat,
      h4 % 10 AS meal  -- canteen: 0-2 breakfast, 3-6 lunch, 7-9 dinner
    FROM base
  ),
  valued AS (
    SELECT *,
      -- seconds after local midnight
      CASE WHEN kind = 'purchase' AND cat = 'canteen' THEN
             CASE WHEN meal < 3 THEN 23400 + h5 % 9000        -- 06:30-08:59
                  WHEN meal < 7 THEN 39600 + h5 % 7200        -- 11:00-12:59
                  ELSE 61200 + h5 % 9000 END                  -- 17:00-19:29
           WHEN cat = 'shower' THEN 64800 + h5 % 19800        -- 18:00-23:29
           WHEN cat = 'water' THEN 25200 + h5 % 57600         -- 07:00-22:59
           WHEN cat = 'bus' THEN 25200 + h5 % 54000           -- 07:00-21:59
           ELSE 28800 + h5 % 50400 END AS sod,                -- 08:00-21:59
      -- amount in fen, > 0
      CASE WHEN kind = 'top_up' THEN
             CASE WHEN h9 % 20 = 0 THEN 2000 ELSE [5000, 10000, 10000, 20000, 30000][1 + h9 % 5] END
           WHEN kind = 'refund' THEN 100 + h9 % 1901
           WHEN cat = 'canteen' THEN
             CASE WHEN meal < 3 THEN (15 + h9 % 66) * 10     -- 1.50-8.00
                  ELSE (60 + h9 % 191) * 10 END              -- 6.00-25.00
                  + CASE WHEN h9 % 7 = 0 THEN 5 ELSE 0 END
           WHEN cat = 'supermarket' THEN 100 + h9 % 5901
           WHEN cat = 'shower' THEN 50 + h9 % 551
           WHEN cat = 'water' THEN 5 + h9 % 146
           WHEN cat = 'laundry' THEN [300, 400, 600][1 + h9 % 3]
           WHEN cat = 'bus' THEN [100, 200][1 + h9 % 2]
           WHEN cat = 'print' THEN (1 + h9 % 50) * 10
           ELSE 100 + h9 % 4901 END AS fen
    FROM typed
  )
  SELECT
    'T' || lpad((i + 1)::VARCHAR, 9, '0') AS txn_id,
    s_id(j) AS student_id,
    CASE
      WHEN k_fmt < 12 THEN strftime(TIMESTAMP '2025-09-08' + to_days(day::INTEGER) + to_seconds(sod),
                                    '%Y-%m-%d %H:%M:%S')
      WHEN k_fmt < 15 THEN strftime(TIMESTAMP '2025-09-08' + to_days(day::INTEGER) + to_seconds(sod)
                                    - INTERVAL 8 HOUR, '%Y-%m-%dT%H:%M:%SZ')
      WHEN k_fmt < 16 THEN strftime(TIMESTAMP '2025-09-08' + to_days(day::INTEGER) + to_seconds(sod),
                                    '%Y-%m-%dT%H:%M:%S.') || lpad((h5 % 1000)::VARCHAR, 3, '0') || '+08:00'
      ELSE strftime(TIMESTAMP '2025-09-08' + to_days(day::INTEGER) + to_seconds(sod),
                    '%Y-%m-%dT%H:%M:%S+08:00')
    END AS ts,
    CASE WHEN k_fmt % 50 = 7 AND fen % 100 = 0 THEN (fen // 100)::VARCHAR
         WHEN k_fmt % 50 = 7 AND fen % 10 = 0 THEN (fen // 100)::VARCHAR || '.' || ((fen % 100) // 10)::VARCHAR
         ELSE (fen // 100)::VARCHAR || '.' || lpad((fen % 100)::VARCHAR, 2, '0') END AS amount,
    kind,
    cat AS merchant_category,
    CASE WHEN k_mid < 5 THEN NULL
         WHEN kind = 'top_up' THEN ['TOPUP-K01', 'TOPUP-K02', 'TOPUP-APP'][1 + h4 % 3]
         WHEN cat = 'canteen' THEN 'CT' || (1 + h4 % 3)::VARCHAR || '-W' || lpad((1 + h5 % 15)::VARCHAR, 2, '0')
         WHEN cat = 'supermarket' THEN 'SM-0' || (1 + h4 % 3)::VARCHAR
         WHEN cat = 'shower' THEN 'SH-' || coalesce(s_dorm(j), 'D01')
         WHEN cat = 'water' THEN 'WT-' || coalesce(s_dorm(j), 'D01')
         WHEN cat = 'laundry' THEN 'LD-' || coalesce(s_dorm(j), 'D01')
         WHEN cat = 'bus' THEN 'BUS-0' || (1 + h4 % 3)::VARCHAR
         WHEN cat = 'print' THEN ['PR-TBA', 'PR-TBD', 'PR-LIB'][1 + h4 % 3]
         ELSE 'OT-0' || (1 + h4 % 4)::VARCHAR END AS merchant_id,
    CASE WHEN k_loc < 8 THEN NULL
         WHEN kind = 'top_up' THEN ['一食堂圈存机', '图书馆圈存机', '移动端充值'][1 + h4 % 3]
         WHEN cat = 'canteen' THEN ['一食堂', '二食堂', '清真餐厅'][1 + h4 % 3]
         WHEN cat = 'supermarket' THEN ['D区便利店', '教育超市', '教育超市'][1 + h4 % 3]
         WHEN cat = 'shower' THEN coalesce(s_dorm(j), 'D01') || '浴室'
         WHEN cat = 'water' THEN coalesce(s_dorm(j), 'D01') || '开水房'
         WHEN cat = 'laundry' THEN coalesce(s_dorm(j), 'D01') || '洗衣房'
         WHEN cat = 'bus' THEN '校车'
         WHEN cat = 'print' THEN ['教学楼自助打印', '图书馆文印室'][1 + h4 % 2]
         ELSE ['文创店', '快递驿站', '校医院', '体育馆前台'][1 + h4 % 4] END AS location
  FROM valued
) TO '{out}' (HEADER, DELIMITER ',');
"""

# Checks that the generated file is contract data that must all be stored.
CARDS_CHECK_SQL = r"""
SELECT
  count(*) AS rows,
  count(DISTINCT txn_id) AS distinct_ids,
  count(*) FILTER (WHERE student_id NOT IN (SELECT student_id FROM students)) AS unknown_students,
  count(*) FILTER (WHERE NOT regexp_full_match(amount, '[0-9]+(\.[0-9]{{1,2}})?')
                      OR amount::DECIMAL(18,2) <= 0) AS bad_amounts,
  count(*) FILTER (WHERE NOT regexp_full_match(ts,
      '2025-(09|1[0-2])-[0-3][0-9]([ ][0-2][0-9]:[0-5][0-9]:[0-5][0-9]|T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{{3}})?(\+08:00|Z))')
      ) AS bad_ts,
  max(CASE WHEN ts LIKE '%Z' THEN ts::TIMESTAMPTZ
           WHEN ts LIKE '%+08:00' THEN ts::TIMESTAMPTZ
           ELSE (ts || '+08:00')::TIMESTAMPTZ END) AS max_ts,
  count(*) FILTER (WHERE kind NOT IN ('purchase', 'top_up', 'refund')) AS bad_kind,
  count(*) FILTER (WHERE merchant_category NOT IN
      ('canteen', 'supermarket', 'shower', 'laundry', 'water', 'bus', 'print', 'other')) AS bad_cat,
  count(*) FILTER (WHERE txn_id IS NULL OR student_id IS NULL OR ts IS NULL OR amount IS NULL
                      OR kind IS NULL OR merchant_category IS NULL) AS missing_required,
  round(100.0 * count(*) FILTER (WHERE kind = 'purchase' AND merchant_category = 'canteen') / count(*), 1)
      AS pct_canteen,
  round(100.0 * count(*) FILTER (WHERE ts NOT LIKE '%T%') / count(*), 1) AS pct_naive_ts,
  round(100.0 * count(*) FILTER (WHERE merchant_id IS NULL) / count(*), 1) AS pct_no_merchant,
  round(100.0 * count(*) FILTER (WHERE location IS NULL) / count(*), 1) AS pct_no_location
FROM read_csv('{path}', all_varchar = true, header = true)
"""


def _duckdb():
    try:
        import duckdb  # noqa: F401
    except ImportError:
        sys.exit("benches: Python `duckdb` is missing: python3 -m pip install duckdb")
    import duckdb
    return duckdb


def _fresh(meta_path: Path, data_path: Path, want: dict) -> bool:
    if not data_path.exists() or not meta_path.exists():
        return False
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return False
    return all(meta.get(k) == v for k, v in want.items()) and meta.get("bytes") == data_path.stat().st_size


def ensure_students(data_dir: Path) -> Path:
    """data_dir/students.csv with N_STUDENTS contract rows (cached)."""
    duckdb = _duckdb()
    path = data_dir / "students.csv"
    meta_path = data_dir / "students.csv.meta.json"
    want = {"generator": GENERATOR_VERSION, "rows": N_STUDENTS, "duckdb": duckdb.__version__}
    if _fresh(meta_path, path, want):
        return path
    log(f"generating {path} ({N_STUDENTS:,} students)")
    tmp = data_dir / "students.csv.tmp"
    con = duckdb.connect()
    con.execute(_macros())
    con.execute(STUDENTS_SQL.format(n_students=N_STUDENTS, out=tmp))
    n, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT student_id) FROM read_csv('{tmp}', all_varchar=true)").fetchone()
    if n != N_STUDENTS or distinct != N_STUDENTS:
        sys.exit(f"benches: generated students are wrong: {n} rows, {distinct} distinct ids")
    con.close()
    tmp.replace(path)
    meta_path.write_text(json.dumps({**want, "bytes": path.stat().st_size}))
    return path


def ensure_cards(data_dir: Path, n: int, students: Path) -> Path:
    """data_dir/card_transactions-N.csv (cached). The name must start with the kind."""
    duckdb = _duckdb()
    path = data_dir / f"card_transactions-{n}.csv"
    meta_path = data_dir / f"card_transactions-{n}.csv.meta.json"
    want = {"generator": GENERATOR_VERSION, "rows": n, "n_students": N_STUDENTS,
            "duckdb": duckdb.__version__}
    if _fresh(meta_path, path, want):
        log(f"reusing {path}")
        return path
    log(f"generating {path} ({n:,} rows)")
    tmp = data_dir / f"card_transactions-{n}.csv.tmp"
    con = duckdb.connect()
    con.execute(_macros())
    t0 = time.perf_counter()
    con.execute(CARDS_SQL.format(n=n, n_students=N_STUDENTS, out=tmp))
    gen_s = time.perf_counter() - t0
    con.execute(f"CREATE TABLE students AS SELECT student_id FROM read_csv('{students}', all_varchar=true)")
    cur = con.execute(CARDS_CHECK_SQL.format(path=tmp))
    check = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    con.close()
    problems = [k for k in ("unknown_students", "bad_amounts", "bad_ts", "bad_kind", "bad_cat",
                            "missing_required") if check[k]]
    if check["rows"] != n or check["distinct_ids"] != n:
        problems.append(f"rows {check['rows']} / distinct ids {check['distinct_ids']} != {n}")
    if check["max_ts"] >= _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc):
        problems.append(f"max ts {check['max_ts']} after the clock")
    if problems:
        sys.exit(f"benches: generated {tmp} is not valid contract data: {problems}: {check}")
    log(f"  {gen_s:.1f} s; canteen purchases {check['pct_canteen']} %, naive ts {check['pct_naive_ts']} %, "
        f"no merchant_id {check['pct_no_merchant']} %, no location {check['pct_no_location']} %")
    tmp.replace(path)
    meta_path.write_text(json.dumps({**want, "bytes": path.stat().st_size}))
    return path


# --------------------------------------------------------------------------------------
# Measuring: every measured command runs as the only child of a fresh wrapper process, so
# RUSAGE_CHILDREN.ru_maxrss of the wrapper is the peak RSS of that command.
# --------------------------------------------------------------------------------------

WRAPPER = r"""
import json, os, resource, subprocess, sys, time
cpus, out_path, err_path, cwd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cmd = sys.argv[5:]
if cpus:
    os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    t0 = time.perf_counter()
    rc = subprocess.call(cmd, stdout=out, stderr=err, cwd=cwd or None)
    wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "maxrss_kib": ru.ru_maxrss,
                  "user": ru.ru_utime, "sys": ru.ru_stime}))
"""

DUCKDB_CHILD = r"""
import json, sys, time
import duckdb
csv, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads={threads}")
t0 = time.perf_counter()
con.execute(f"COPY (FROM read_csv('{csv}')) TO '{out}'")
copy_s = time.perf_counter() - t0
rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
print(json.dumps({"copy_seconds": copy_s, "rows": rows, "duckdb": duckdb.__version__}))
"""


def measure(cmd: list[str], cpus: str, work: Path, label: str, cwd: Path | None = None) -> dict:
    out_path, err_path = work / f"{label}.stdout", work / f"{label}.stderr"
    res = subprocess.run([sys.executable, "-c", WRAPPER, cpus, str(out_path), str(err_path),
                          str(cwd or ""), *cmd], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"benches: measuring wrapper failed for {shlex.join(cmd)}:\n{res.stderr}")
    m = json.loads(res.stdout)
    m["stdout"] = out_path.read_text(errors="replace")
    m["stderr"] = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    if m["rc"] != 0:
        fail(f"{label}: exit {m['rc']} from {shlex.join(cmd)}", m)
    return m


def fail(what: str, m: dict) -> None:
    sys.exit(f"benches: FAILED: {what}\n--- stdout ---\n{m.get('stdout', '')}\n"
             f"--- stderr ---\n{m.get('stderr', '')}")


def radar_ingest(radar: str, store: Path, now: str, files: list[Path], cpus: str, work: Path,
                 label: str) -> tuple[dict, dict]:
    cmd = [radar, "--store", str(store), "--now", now, "ingest", *map(str, files), "-q", "--format", "json"]
    m = measure(cmd, cpus, work, label)
    try:
        reports = json.loads(m["stdout"])
    except ValueError:
        fail(f"{label}: stdout is not JSON", m)
    if not isinstance(reports, list) or len(reports) != len(files):
        fail(f"{label}: expected a JSON array of {len(files)} object(s)", m)
    return m, reports[0]


def expect(label: str, report: dict, m: dict, store: Path, **want) -> None:
    got = {k: report.get(k) for k in want}
    if got != want or report.get("status", "ok") != "ok":
        fail(f"{label}: expected {want}, got {json.dumps(report, ensure_ascii=False)}\n"
             f"(store kept for a look: radar --store {store} sql "
             f"'SELECT reason, count(*) FROM quarantine GROUP BY ALL')", m)


def rm(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def read_through(path: Path) -> None:
    """Reads a file once so that every tool finds it in the page cache alike."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000000,10000000",
                   help="comma-separated row counts (default 1000000,10000000; 1M / 1_000_000 / 1e6 accepted)")
    p.add_argument("--repeat", type=int, default=None,
                   help="repeats per size (default: 3 up to 1M rows, 1 above)")
    p.add_argument("--radar", default=None,
                   help="radar binary (default $CARGO_TARGET_DIR/release/radar, "
                        "CARGO_TARGET_DIR defaulting to ~/.cache/campus-radar/target)")
    p.add_argument("--data-dir", default=str(REPO / "bench-data"),
                   help="where the generated CSVs are cached and stores are made (default bench-data/)")
    p.add_argument("--now", default=DEFAULT_NOW, help=f"ingest clock (default {DEFAULT_NOW})")
    p.add_argument("--cpus", default=None,
                   help="CPU ids every measured process is pinned to (default: the first two this "
                        "process may use); 'none' to not pin")
    p.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    p.add_argument("--results", default=str(REPO / "benches" / "results-ingest.md"),
                   help="markdown results file (default benches/results-ingest.md)")
    p.add_argument("--generate-only", action="store_true", help="only generate (or check) the CSVs")
    return p.parse_args(argv)


def parse_size(s: str) -> int:
    s = s.strip().lower().replace("_", "")
    mult = 1
    if s.endswith("m"):
        s, mult = s[:-1], 1_000_000
    elif s.endswith("k"):
        s, mult = s[:-1], 1_000
    return int(float(s) * mult)


def default_radar() -> str:
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/campus-radar/target")
    return os.path.join(target, "release", "radar")


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    duckdb = _duckdb()

    if args.cpus is None:
        allowed = sorted(os.sched_getaffinity(0))
        cpus = ",".join(map(str, allowed[:2]))
    elif args.cpus == "none":
        cpus = ""
    else:
        cpus = args.cpus

    students = ensure_students(data_dir)
    cards = {n: ensure_cards(data_dir, n, students) for n in sizes}
    if args.generate_only:
        return 0

    radar = args.radar or default_radar()
    if not (os.path.isfile(radar) and os.access(radar, os.X_OK)):
        sys.exit(f"benches: radar binary not found at {radar} (build it with "
                 f"`cargo build --release`, or pass --radar PATH)")
    radar = os.path.abspath(radar)
    radar_version = subprocess.run([radar, "--version"], capture_output=True, text=True).stdout.strip()

    work = data_dir / "runs"
    rm(work)
    work.mkdir()

    # 1. Base store: the students, once.
    base = data_dir / "base-store"
    rm(base)
    log(f"base store: ingesting {students.name} into {base}")
    m, rep = radar_ingest(radar, base, args.now, [students], cpus, work, "students")
    expect("students", rep, m, base, rows_read=N_STUDENTS, stored=N_STUDENTS, quarantined=0)

    results = []  # one dict per size
    for n in sizes:
        k = args.repeat if args.repeat is not None else (3 if n <= 1_000_000 else 1)
        csv = cards[n]
        read_through(csv)
        runs = {"radar cold": [], "radar re-ingest": [], "duckdb": []}
        extra = {"duckdb process wall": [], "store bytes": [], "radar cold cpu": [], "duckdb cpu": []}
        for r in range(1, k + 1):
            log(f"N={n:,} run {r}/{k}")
            store = work / f"store-{n}-{r}"
            shutil.copytree(base, store)

            # 2. Cold ingest.
            m, rep = radar_ingest(radar, store, args.now, [csv], cpus, work, f"cold-{n}-{r}")
            expect(f"radar cold N={n}", rep, m, store, rows_read=n, stored=n, duplicates=0, quarantined=0)
            runs["radar cold"].append((m["wall"], m["maxrss_kib"]))
            extra["radar cold cpu"].append(m["user"] + m["sys"])
            extra["store bytes"].append(dir_bytes(store))
            log(f"  radar cold      {m['wall']:8.2f} s  {m['maxrss_kib'] / 1024:8.1f} MiB")

            # 3. Re-ingest: every row a duplicate.
            m, rep = radar_ingest(radar, store, args.now, [csv], cpus, work, f"reingest-{n}-{r}")
            expect(f"radar re-ingest N={n}", rep, m, store, rows_read=n, stored=0, duplicates=n, quarantined=0)
            runs["radar re-ingest"].append((m["wall"], m["maxrss_kib"]))
            log(f"  radar re-ingest {m['wall']:8.2f} s  {m['maxrss_kib'] / 1024:8.1f} MiB")
            rm(store)

            # 4. DuckDB CSV -> Parquet in a fresh process.
            ddir = work / f"duckdb-{n}-{r}"
            ddir.mkdir()
            out = ddir / "out.parquet"
            m = measure([sys.executable, "-c", DUCKDB_CHILD, str(csv), str(out), str(args.threads)],
                        cpus, work, f"duckdb-{n}-{r}", cwd=ddir)
            info = json.loads(m["stdout"].strip().splitlines()[-1])
            if info["rows"] != n:
                fail(f"duckdb N={n}: parquet has {info['rows']} rows", m)
            runs["duckdb"].append((info["copy_seconds"], m["maxrss_kib"]))
            extra["duckdb process wall"].append(m["wall"])
            extra["duckdb cpu"].append(m["user"] + m["sys"])
            log(f"  duckdb COPY     {info['copy_seconds']:8.2f} s  {m['maxrss_kib'] / 1024:8.1f} MiB "
                f"(process {m['wall']:.2f} s)")
            rm(ddir)
        results.append({"n": n, "k": k, "runs": runs, "extra": extra, "csv": csv})
    rm(work)
    rm(base)

    # Report.
    lines = ["| size | tool / phase | median s | rows/s | peak RSS MiB | rows/s ÷ DuckDB |",
             "|---:|---|---:|---:|---:|---:|"]
    verdicts, details = [], []
    for res in results:
        n, runs = res["n"], res["runs"]
        med = {t: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v) / 1024)
               for t, v in runs.items()}
        duck_rps = n / med["duckdb"][0]
        for tool in ("radar cold", "radar re-ingest", "duckdb"):
            s, mib = med[tool]
            ratio = f"**{(n / s) / duck_rps:.2f}**" if tool == "radar cold" else (
                f"{(n / s) / duck_rps:.2f}" if tool != "duckdb" else "1.00")
            lines.append(f"| {n:,} | {tool} | {s:.2f} | {fmt_int(n / s)} | {mib:,.0f} | {ratio} |")
        ratio = (n / med["radar cold"][0]) / duck_rps
        peak = max(x[1] for x in runs["radar cold"] + runs["radar re-ingest"]) / 1024
        verdicts.append(
            f"- {n:,} rows: radar cold ÷ DuckDB = **{ratio:.2f}** "
            f"({'meets' if ratio >= 1 else 'misses'} the ≥ 1.00 target); radar peak RSS "
            f"{peak:,.0f} MiB" + (f" ({'under' if peak < 2048 else 'OVER'} the 2 GiB target)"
                                  if n >= 10_000_000 else ""))
        ex = res["extra"]
        details.append(
            f"- {n:,} rows ({res['k']} run(s), `{res['csv'].name}`, "
            f"{res['csv'].stat().st_size / 2**20:,.0f} MiB): "
            f"radar cold s {[round(x[0], 2) for x in runs['radar cold']]}, "
            f"re-ingest s {[round(x[0], 2) for x in runs['radar re-ingest']]}, "
            f"duckdb COPY s {[round(x[0], 2) for x in runs['duckdb']]}; "
            f"duckdb process wall (Python start + import + COPY + row check) median "
            f"{statistics.median(ex['duckdb process wall']):.2f} s; CPU s (user+sys) median radar cold "
            f"{statistics.median(ex['radar cold cpu']):.2f}, duckdb {statistics.median(ex['duckdb cpu']):.2f}; "
            f"store after cold ingest {statistics.median(ex['store bytes']) / 2**20:,.0f} MiB")
    table = "\n".join(lines)
    print(table)
    print()
    print("\n".join(verdicts))

    script = Path(__file__).resolve()
    script_arg = os.path.relpath(script) if script.is_relative_to(Path.cwd()) else str(script)
    cmd = shlex.join(["python3", script_arg, *(sys.argv[1:] if argv is None else argv)])
    header = [
        "# Ingest benchmark: radar vs DuckDB (CSV → Parquet)",
        "",
        f"- date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- command: `{cmd}` (in `{Path.cwd()}`)",
        f"- nproc: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}; "
        f"measured processes pinned to CPUs {cpus or 'not pinned'}",
        f"- CPU: {cpu_model()}",
        f"- radar: `{radar}` ({radar_version}); clock `--now {args.now}`",
        f"- DuckDB: Python duckdb {duckdb.__version__}, `SET threads={args.threads}`, "
        f"`COPY (FROM read_csv('card_transactions-N.csv')) TO 'out.parquet'`",
        f"- store already holds {N_STUDENTS:,} students; cold = fresh copy of that store, "
        f"re-ingest = same file again (all duplicates)",
        "- seconds: radar = wall time of the whole `radar ingest` process; DuckDB = the COPY "
        "statement alone (process start-up and import excluded). Peak RSS: ru_maxrss of the "
        "measured process. Medians over the runs.",
        "",
    ]
    body = "\n".join(header) + "\n" + table + "\n\n" + "\n".join(verdicts) + "\n\nRuns:\n" + "\n".join(details) + "\n"
    Path(args.results).write_text(body)
    log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
