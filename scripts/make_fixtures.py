#!/usr/bin/env python3
"""Write the hand-checked bad-input fixtures under sample_data/fixtures/.

Every file is spelled out literally below, so what is written is what you read here; the
script exists only because some fixtures need exact bytes (invalid UTF-8, a byte-order
mark, CRLF line ends, GB18030). The expected results (expected_quarantine.csv,
expected_counts.csv) are written by hand too, not computed. Python 3 stdlib only.

    python3 scripts/make_fixtures.py            # writes sample_data/fixtures/
    python3 scripts/make_fixtures.py --out DIR  # writes DIR/ instead

Clock for all of them: --now 2025-09-15T12:00:00+08:00, campus zone Asia/Shanghai.
"""

import argparse
import os

H_STUDENTS = ("student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,"
              "dorm_room,counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status\n")
H_CARD = "txn_id,student_id,ts,amount,kind,merchant_category,merchant_id,location\n"
H_GRADES = "student_id,course_id,term,attempt,score,status,recorded_at\n"

BAD_INPUT = {}

BAD_INPUT["students.csv"] = H_STUDENTS + """\
S001,张伟,M,计算机科学与技术学院,计算机科学与技术,计科2301,2023,undergraduate,D01,3,312,0001,0101,league_member,河南,none,active
S002,李娜,F,计算机科学与技术学院,软件工程,软工2301,2023,undergraduate,D05,2,208,0001,0101,activist,江苏,general,active
S003,王芳,F,经济管理学院,会计学,会计2401,2024,undergraduate,D06,4,415,0002,0102,league_member,四川,hardship,active
S004,刘洋,M,外国语学院,英语,英语2501,2025,undergraduate,,,,0002,,masses,,none,active
S005,陈静,F,计算机科学与技术学院,计算机科学与技术,计硕2401,2024,master,G01,1,105,0002,0103,party_member,山东,special_hardship,active
"""

# rows 1-2 good (S006 on campus, S007 off campus without mentor); rows 3-5 bad_number
BAD_INPUT["students-bad_number.csv"] = H_STUDENTS + """\
S006,赵磊,M,经济管理学院,市场营销,营销2401,2024,undergraduate,D02,5,503,0002,0104,league_member,湖北,none,active
S007,孙悦,F,外国语学院,日语,日语2301,2023,undergraduate,,,,0001,,league_member,浙江,none,active
S008,周杰,M,经济管理学院,市场营销,营销2401,1.5,undergraduate,D02,5,503,0002,0104,masses,湖北,none,active
S009,吴婷,F,外国语学院,英语,英语2401,2024,undergraduate,D06,3F,310,0002,0105,league_member,安徽,none,active
S010,郑浩,M,外国语学院,英语,英语2401, 2024,undergraduate,D02,3,310,0002,0105,league_member,安徽,none,active
"""

BAD_INPUT["courses.csv"] = """\
course_id,course_name,credits,category,college
C001,数据结构,4,compulsory,计算机科学与技术学院
C002,艺术鉴赏,2,general,
"""

# C004 appears twice: a dimension upsert (last row wins), both rows count as stored
BAD_INPUT["courses-out_of_range.csv"] = """\
course_id,course_name,credits,category,college
C003,形势与政策,0.5,compulsory,马克思主义学院
C004,机器学习,3,elective,计算机科学与技术学院
C005,劳动教育,0,general,
C006,创新创业实践,-1,general,
C004,机器学习导论,3,elective,计算机科学与技术学院
"""

BAD_INPUT["staff-bad_enum.csv"] = """\
staff_id,name,role,college,building
0001,赵敏,counsellor,,D03
0101,孙强,mentor,计算机科学与技术学院,
0102,周婷,teacher,经济管理学院,
0103,吴磊,Mentor,计算机科学与技术学院,
"""

# A002 starts in the future: activities is a dimension, so no future check.
# A004: start 11:00Z = 19:00 local, end 18:30 local -> end before start.
# A005: start 19:00 local, end 11:00Z = 19:00 local -> equal, valid.
BAD_INPUT["activities-end_before_start.csv"] = """\
activity_id,title,category,dimension,organiser,start_ts,end_ts,location
A001,迎新志愿服务,volunteer,moral,校青年志愿者协会,2025-09-08 08:00:00,2025-09-08 12:00:00,D区服务站
A002,社区农园劳动,labour,labour,学生社区管理中心,2025-09-20T08:30:00+08:00,2025-09-20T11:30:00+08:00,社区农园
A003,新生篮球赛,sports,physical,体育部,2025-09-10 16:30:00,2025-09-10 16:00:00,东区篮球场
A004,学术讲座,academic,intellectual,计算机科学与技术学院,2025-09-10T11:00:00Z,2025-09-10 18:30:00,学术报告厅
A005,主题班会,ideological,moral,学生工作部,2025-09-11 19:00:00,2025-09-11T11:00:00Z,D03活动室
"""

# line 3-4: one record (quoted newline); line 5: 9 fields; line 6: 5 fields; line 7: quoted comma (good);
# line 8: 1 field
BAD_INPUT["card_transactions-bad_row.csv"] = H_CARD + """\
BR01,S001,2025-09-10 07:31:05,6.50,purchase,canteen,CT1-W03,一食堂
BR02,S002,2025-09-10 12:02:44,15.00,purchase,canteen,CT2-W01,"二食堂
二楼"
BR03,S003,2025-09-10 12:10:00,9.00,purchase,canteen,CT1-W02,一食堂,extra
BR04,S004,2025-09-10 18:01:00,12.00,purchase
BR05,S005,2025-09-10 18:30:00,20.00,purchase,supermarket,SM-01,"教育超市,一楼"
BR06
"""

# row 2's location is GBK bytes (b'\xb6\xfe\xca\xb3\xcc\xc3' = 二食堂), not UTF-8
ENCODING_FILE = (H_CARD.encode("utf-8")
                 + "EN01,S001,2025-09-11 07:40:00,5.00,purchase,canteen,CT1-W01,一食堂\n".encode("utf-8")
                 + b"EN02,S002,2025-09-11 12:05:00,14.50,purchase,canteen,CT2-W04," + "二食堂".encode("gbk") + b"\n"
                 + "EN03,S003,2025-09-11 18:00:00,11.00,purchase,canteen,CT1-W05,一食堂\n".encode("utf-8"))

BAD_INPUT["card_transactions-missing_required.csv"] = H_CARD + """\
MR01,S001,2025-09-11 07:45:10,4.50,purchase,canteen,,
MR02,S002,2025-09-11 12:15:00,13.00,purchase,canteen,CT2-W03,二食堂
,S003,2025-09-11 12:20:00,12.00,purchase,canteen,CT1-W01,一食堂
MR04,,2025-09-11 12:25:00,12.00,purchase,canteen,CT1-W01,一食堂
MR05,S004,,12.00,purchase,canteen,CT1-W01,一食堂
MR06,S005,2025-09-11 12:35:00,,purchase,canteen,CT1-W01,一食堂
MR07,S001,2025-09-11 12:40:00,12.00,,canteen,CT1-W01,一食堂
MR08,S002,2025-09-11 12:45:00,12.00,purchase,,CT1-W01,一食堂
MR09,S003,2025-09-11 12:50:00,12.00,purchase,canteen,CT1-W01,""
MR10,"",2025-09-11 12:55:00,12.00,purchase,canteen,CT1-W01,一食堂
"""

BAD_INPUT["card_transactions-bad_enum.csv"] = H_CARD + """\
BE01,S001,2025-09-12 07:20:00,5.50,purchase,canteen,CT1-W02,一食堂
BE02,S002,2025-09-12 09:00:00,100.00,top_up,other,TOPUP-APP,移动端充值
BE03,S003,2025-09-12 12:00:00,12.00,Purchase,canteen,CT1-W02,一食堂
BE04,S004,2025-09-12 12:05:00,12.00,purchase,restaurant,CT1-W02,一食堂
BE05,S005,2025-09-12 12:10:00,12.00, purchase,canteen,CT1-W02,一食堂
BE06,S001,2025-09-12 12:15:00,12.00,refund,canteen,CT1-W02,"一食堂
退款窗口"
BE07,S002,2025-09-12 12:20:00,12.00,purchase,Canteen,CT1-W02,一食堂
BE08,S003,2025-09-12 12:25:00,12.00,withdrawal,canteen,CT1-W02,一食堂
"""

BAD_INPUT["card_transactions-bad_number.csv"] = H_CARD + """\
BN01,S001,2025-09-12 07:30:00,12.5,purchase,canteen,CT1-W01,一食堂
BN02,S002,2025-09-12 07:35:00,+8.00,purchase,canteen,CT1-W01,一食堂
BN03,S003,2025-09-12 07:40:00,12,purchase,canteen,CT1-W01,一食堂
BN04,S004,2025-09-12 07:45:00,12.345,purchase,canteen,CT1-W01,一食堂
BN05,S005,2025-09-12 07:50:00,"12,50",purchase,canteen,CT1-W01,一食堂
BN06,S001,2025-09-12 07:55:00,¥12.50,purchase,canteen,CT1-W01,一食堂
BN07,S002,2025-09-12 08:00:00, 12.50,purchase,canteen,CT1-W01,一食堂
BN08,S003,2025-09-12 08:05:00,12.,purchase,canteen,CT1-W01,一食堂
BN09,S004,2025-09-12 08:10:00,.50,purchase,canteen,CT1-W01,一食堂
BN10,S005,2025-09-12 08:15:00,1e3,purchase,canteen,CT1-W01,一食堂
BN11,S001,2025-09-12 08:20:00,12.500,purchase,canteen,CT1-W01,一食堂
"""

BAD_INPUT["participation-bad_number.csv"] = """\
participation_id,student_id,activity_id,role,hours,verified
PB01,S001,A001,participant,4,TRUE
PB02,S002,A001,volunteer,4.5,0
PB03,S003,A002,organiser,3,False
PB04,S004,A002,participant,3,yes
PB05,S005,A002,participant,2h,true
PB06,S001,A003,participant,2,Y
PB07,S002,A999,participant,1.5,1
"""

BAD_INPUT["grades-bad_number.csv"] = H_GRADES + """\
S001,C001,2024-2025-2,1,85,normal,2025-07-08
S003,C002,2024-2025-2,1,88.5,normal,2025-07-08
S002,C002,2024-2025-2,1.5,70,normal,2025-07-08
S004,C002,2024-2025-2,1,八十,normal,2025-07-08
S005,C001,2024-2025-2,1,85 ,normal,2025-07-08
"""

BAD_INPUT["access_events-bad_timestamp.csv"] = """\
event_id,student_id,ts,place_type,place_id,direction
BT01,S001,2025-09-13T07:10:00+08:00,dorm,D01,out
BT02,S002,2025-09-13t07:12:00.250z,dorm,D05,out
BT03,S003,2025-09-12T23:15:30Z,library,LIB-MAIN,in
BT04,S004,2025-13-01T08:00:00+08:00,campus_gate,GATE-N,in
BT05,S005,2025-09-31 08:00:00,dorm,G01,in
BT06,S001,2025-09-13T25:00:00+08:00,dorm,D01,in
BT07,S002,2025-09-13T23:59:60+08:00,dorm,D05,in
BT08,S003,2025-09-13T08:00:00,gym,GYM-1,in
BT09,S004,2025/09/13 08:00:00,gym,GYM-1,in
BT10,S005,2025-09-13 8:00:00,gym,GYM-1,in
BT11,S001,2025-09-13 08:00:00.5,gym,GYM-1,out
BT12,S002,2025-09-13T08:00:00+0800,gym,GYM-1,out
BT13,S003, 2025-09-13 08:00:00,gym,GYM-1,out
BT14,S004,2025-02-29 08:00:00,gym,GYM-1,out
BT15,S005,2025-09-13 08:05:00,teaching_building,TB-A,in
"""

BAD_INPUT["grades-bad_timestamp.csv"] = H_GRADES + """\
S002,C001,2024-2025-2,1,,absent,2025-07-08
S005,C001,2024-2025-3,1,91,normal,2025-08-30
S001,C002,2025-2027-1,1,78,normal,2025-07-08
S002,C002,2025-2026-4,1,78,normal,2025-07-08
S003,C001,2024-2025-0,1,78,normal,2025-07-08
S004,C002,2024-25-2,1,78,normal,2025-07-08
S003,C001,2024-2025-2,1,70,normal,2025-02-30
S005,C002,2024-2025-2,1,66,normal,2025-7-8
"""

# NE04: start 02:00Z = 10:00 local, end 09:30 local. NE05: start 09:30 local, end 02:00Z = 10:00 local.
BAD_INPUT["network_sessions-end_before_start.csv"] = """\
session_id,student_id,start_ts,end_ts,bytes_in,bytes_out
NE01,S001,2025-09-13 21:00:00,2025-09-14 01:30:00,52428800,3145728
NE02,S002,2025-09-13 22:00:00,2025-09-13 22:00:00,0,0
NE03,S003,2025-09-13 22:00:00,2025-09-13 21:59:59,,
NE04,S004,2025-09-13T02:00:00Z,2025-09-13 09:30:00,1024,512
NE05,S005,2025-09-13 09:30:00,2025-09-13T02:00:00Z,1024,512
"""

# LE04: due_at before borrowed_at is not a check (only returned_at < borrowed_at is).
# LE05: borrowed 08:00Z = 16:00 local, returned 15:30 local.
BAD_INPUT["library_loans-end_before_start.csv"] = """\
loan_id,student_id,book_id,clc_class,borrowed_at,due_at,returned_at
LE01,S001,B0000001,TP,2025-09-08 10:00:00,2025-10-08 23:59:59,2025-09-12 16:20:00
LE02,S002,B0000002,,2025-09-09 14:00:00,2025-10-09 23:59:59,
LE03,S003,B0000003,I,2025-09-10 15:00:00,2025-10-10 23:59:59,2025-09-10 14:59:00
LE04,S004,B0000004,H,2025-09-10 15:00:00,2025-09-01 23:59:59,2025-09-11 09:00:00
LE05,S005,B0000005,TP,2025-09-11T08:00:00Z,2025-10-11 23:59:59,2025-09-11 15:30:00
"""

BAD_INPUT["card_transactions-non_positive_amount.csv"] = H_CARD + """\
NP01,S001,2025-09-13 07:50:00,0.01,purchase,water,WT-D01,D01开水房
NP02,S002,2025-09-13 12:00:00,13.00,refund,canteen,CT1-W01,一食堂
NP03,S003,2025-09-13 12:05:00,0,purchase,canteen,CT1-W01,一食堂
NP04,S004,2025-09-13 12:10:00,0.00,purchase,canteen,CT1-W01,一食堂
NP05,S005,2025-09-13 12:15:00,-5.00,refund,canteen,CT1-W01,一食堂
NP06,S001,2025-09-13 12:20:00,-0.01,purchase,canteen,CT1-W01,一食堂
NP07,S002,2025-09-13 12:25:00,-0,purchase,canteen,CT1-W01,一食堂
"""

BAD_INPUT["grades-out_of_range.csv"] = H_GRADES + """\
S004,C001,2024-2025-2,1,100,normal,2025-07-08
S005,C002,2024-2025-2,1,0,normal,2025-07-08
S001,C002,2024-2025-2,1,101,normal,2025-07-08
S002,C002,2024-2025-2,0,75,normal,2025-07-08
S003,C002,2024-2025-2,1,-0.5,normal,2025-07-08
S004,C002,2024-2025-2,-1,60,normal,2025-07-08
S004,C001,2024-2025-2,2,100.5,normal,2025-07-20
"""

# starts with a UTF-8 byte-order mark (added when written)
BAD_INPUT["learning_events-out_of_range.csv"] = """\
event_id,student_id,course_id,ts,activity_type,clicks
LO01,S001,C001,2025-09-14 00:00:00,video,1
LO02,S002,C001,2025-09-14 21:13:45,quiz,57
LO03,S003,C999,2025-09-14 21:20:00,forum,3
LO04,S004,C001,2025-09-14 21:30:00,resource,0
LO05,S005,C002,2025-09-14 21:40:00,homepage,-3
"""

BAD_INPUT["participation-out_of_range.csv"] = """\
participation_id,student_id,activity_id,role,hours,verified
PO01,S001,A001,participant,0,true
PO02,S002,A001,volunteer,2.5,false
PO03,S003,A001,participant,-1,true
PO04,S004,A002,organiser,-0.5,true
"""

# CO01 twice: coursework is upserted (submitted, then marked); both rows count as stored.
BAD_INPUT["coursework-out_of_range.csv"] = """\
record_id,student_id,course_id,term,item,weight,due_at,submitted_at,score
CO01,S001,C001,2025-2026-1,第1次作业,5,2025-09-14 23:59:00,2025-09-13 20:11:00,
CO02,S002,C001,2025-2026-1,第1次作业,5,2025-09-14 23:59:00,,0
CO03,S003,C001,2025-2026-1,期中考试,120,2025-10-30 10:00:00,,
CO04,S004,C001,2025-2026-1,第1次作业,5,2025-09-14 23:59:00,2025-09-14 22:00:00,100.5
CO05,S005,C002,2025-2026-1,课堂表现,-5,,,
CO06,S001,C002,2025-2026-1,期末大作业,100,2025-12-31 23:59:00,,
CO01,S001,C001,2025-2026-1,第1次作业,5,2025-09-14 23:59:00,2025-09-13 20:11:00,92
"""

BAD_INPUT["assessments-out_of_range.csv"] = """\
assessment_id,student_id,ts,kind,score,level
AO01,S001,2025-09-10 14:30:00,physical_fitness,100,excellent
AO02,S002,2025-09-10 14:35:00,physical_fitness,0,fail
AO03,S003,2025-09-10 14:40:00,psych_screening,215,high_risk
AO04,S004,2025-09-10 14:45:00,physical_fitness,100.5,
AO05,S005,2025-09-10 14:50:00,physical_fitness,-1,
"""

# clock 2025-09-15T12:00:00+08:00; limit = clock + 24 h = 2025-09-16T12:00:00+08:00 (a row AT the limit is valid)
BAD_INPUT["card_transactions-future_timestamp.csv"] = H_CARD + """\
FT01,S001,2025-09-15 11:00:00,6.00,purchase,canteen,CT1-W01,一食堂
FT02,S002,2025-09-16 11:00:00,6.00,purchase,canteen,CT1-W01,一食堂
FT03,S003,2025-09-16T12:00:00+08:00,6.00,purchase,canteen,CT1-W01,一食堂
FT04,S004,2025-09-16T12:00:01+08:00,6.00,purchase,canteen,CT1-W01,一食堂
FT05,S005,2025-09-16T04:00:01Z,6.00,purchase,canteen,CT1-W01,一食堂
FT06,S001,2025-09-17 08:00:00,6.00,purchase,canteen,CT1-W01,一食堂
FT07,S002,2025-09-16T03:59:59Z,6.00,purchase,canteen,CT1-W01,一食堂
FT08,S003,2025-09-16T12:00:00.001+08:00,6.00,purchase,canteen,CT1-W01,一食堂
"""

BAD_INPUT["library_loans-future_timestamp.csv"] = """\
loan_id,student_id,book_id,clc_class,borrowed_at,due_at,returned_at
LF01,S001,B0000011,TP,2025-09-15 10:00:00,2026-01-15 23:59:59,
LF02,S002,B0000012,TP,2025-09-15 10:05:00,2025-10-15 23:59:59,2025-09-18 10:00:00
LF03,S003,B0000013,TP,2025-09-20 10:00:00,2025-10-20 23:59:59,2025-09-21 10:00:00
LF04,S004,B0000014,TP,2025-09-16 11:30:00,2025-10-16 23:59:59,
"""

# a date is its local 00:00: 2025-09-16 00:00 <= limit, 2025-09-17 00:00 > limit
BAD_INPUT["awards-future_timestamp.csv"] = """\
record_id,student_id,ts,kind,level,title
AF01,S001,2025-09-12,scholarship,school,校一等奖学金
AF02,S002,2025-09-16,honour,school,三好学生
AF03,S003,2025-09-17,competition,provincial,数学建模竞赛省级一等奖
"""

BAD_INPUT["process_records-bad_enum.csv"] = """\
record_id,student_id,staff_id,ts,kind,duration_min,summary,follow_up
PE01,S001,0001,2025-09-12 15:00:00,talk,30,"了解开学适应情况，""状态良好""，无特殊需求。",0
PE02,S002,0101,2025-09-12 16:00:00,mentor_meeting,,"讨论选课,
制定学习计划",TRUE
PE03,S003,0003,2025-09-13 10:00:00,chat,20,,
PE04,S004,0001,2025-09-13 11:00:00,Talk,20,,1
PE05,S005,9999,2025-09-13 11:30:00,home_visit,45,电话家访,
"""

# written with CRLF line ends; S008 exists only as a quarantined row of students-bad_number.csv
BAD_INPUT["attendance-unknown_student.csv"] = """\
record_id,student_id,course_id,session_ts,status
AU01,S001,C001,2025-09-15 08:00:00,present
AU02,S002,C999,2025-09-15 08:00:00,late
AU03,S999,C001,2025-09-15 08:00:00,absent
AU04,S008,C001,2025-09-15 08:00:00,present
AU05,s001,C001,2025-09-15 08:00:00,present
AU06,S006,C002,2025-09-15 10:00:00,excused
"""

BAD_INPUT["card_transactions-reason_order.csv"] = H_CARD + """\
RO01,S001,2025-09-14 12:00:00,10.00,purchase,canteen,CT1-W01,一食堂
RO02,S999,2025-09-14 12:00:00,abc,purchase,canteen,CT1-W01,一食堂
RO03,S001,2025-09-14 12:00:00,10.00,buy,restaurant,CT1-W01,一食堂
RO04,S001,2025-09-14 12:00:00,abc,purchase,restaurant,CT1-W01,一食堂
RO05,,2025-09-14 12:00:00,10.00,buy,canteen,CT1-W01,一食堂
RO06,S001,,,purchase,canteen,CT1-W01,一食堂
,,2025-09-14 12:00:00,abc,buy,canteen,CT1-W01,一食堂
RO08,S999,2025-09-31 12:00:00,0,purchase,canteen,CT1-W01,一食堂
RO09,S001,2025-13-01 12:00:00,12.345,purchase,canteen,CT1-W01,一食堂
RO10,S999,2025-09-20 12:00:00,-5.00,refund,canteen,CT1-W01,一食堂
RO11,S999,2025-09-20 12:00:00,5.00,purchase,canteen,CT1-W01,一食堂
RO12,,,abc,buy
RO13,S002,2025-09-14 12:30:00,8.00,purchase,canteen,CT1-W01,一食堂
RO14,S999,2025-09-14 12:30:00,8.00,purchase,canteen,CT1-W01,一食堂
"""

BAD_INPUT["card_transactions-duplicates.csv"] = H_CARD + """\
D001,S001,2025-09-14 07:30:00,5.00,purchase,canteen,CT1-W01,一食堂
D002,S002,2025-09-14 07:35:00,6.00,purchase,canteen,CT1-W01,一食堂
D001,S001,2025-09-14 07:30:00,5.00,purchase,canteen,CT1-W01,一食堂
D001,S001,2025-09-14 07:30:00,5.50,purchase,canteen,CT1-W01,一食堂
D002,S002,2025-09-14 07:35:00,6.005,purchase,canteen,CT1-W01,一食堂
D003,S003,2025-09-14 07:40:00,7.00,purchase,cafe,CT1-W01,一食堂
D003,S003,2025-09-14 07:40:00,7.00,purchase,canteen,CT1-W01,一食堂
D003,S003,2025-09-14 07:40:00,7.00,purchase,canteen,CT1-W01,一食堂
"""

BAD_INPUT["card_transactions-duplicates2.csv"] = H_CARD + """\
D001,S001,2025-09-14 07:30:00,5.00,purchase,canteen,CT1-W01,一食堂
D004,S004,2025-09-14 07:45:00,8.00,purchase,canteen,CT1-W01,一食堂
D003,S003,2025-09-14 07:40:00,7.00,purchase,canteen,CT1-W01,一食堂
D002,S999,2025-09-14 07:35:00,6.00,purchase,canteen,CT1-W01,一食堂
D004,S004,2025-09-14 07:45:00,8.00,purchase,canteen,CT1-W01,一食堂
"""

# Hand-checked: every row that must be quarantined. line = physical line where the record starts
# (header = 1), row = 1-based data row, column empty for bad_row.
EXPECTED_QUARANTINE = """\
file,line,row,kind,column,reason
access_events-bad_timestamp.csv,5,4,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,6,5,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,7,6,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,8,7,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,9,8,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,10,9,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,11,10,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,12,11,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,13,12,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,14,13,access_events,ts,bad_timestamp
access_events-bad_timestamp.csv,15,14,access_events,ts,bad_timestamp
activities-end_before_start.csv,4,3,activities,end_ts,end_before_start
activities-end_before_start.csv,5,4,activities,end_ts,end_before_start
assessments-out_of_range.csv,5,4,assessments,score,out_of_range
assessments-out_of_range.csv,6,5,assessments,score,out_of_range
attendance-unknown_student.csv,4,3,attendance,student_id,unknown_student
attendance-unknown_student.csv,5,4,attendance,student_id,unknown_student
attendance-unknown_student.csv,6,5,attendance,student_id,unknown_student
awards-future_timestamp.csv,4,3,awards,ts,future_timestamp
card_transactions-bad_enum.csv,4,3,card_transactions,kind,bad_enum
card_transactions-bad_enum.csv,5,4,card_transactions,merchant_category,bad_enum
card_transactions-bad_enum.csv,6,5,card_transactions,kind,bad_enum
card_transactions-bad_enum.csv,9,7,card_transactions,merchant_category,bad_enum
card_transactions-bad_enum.csv,10,8,card_transactions,kind,bad_enum
card_transactions-bad_number.csv,5,4,card_transactions,amount,bad_number
card_transactions-bad_number.csv,6,5,card_transactions,amount,bad_number
card_transactions-bad_number.csv,7,6,card_transactions,amount,bad_number
card_transactions-bad_number.csv,8,7,card_transactions,amount,bad_number
card_transactions-bad_number.csv,9,8,card_transactions,amount,bad_number
card_transactions-bad_number.csv,10,9,card_transactions,amount,bad_number
card_transactions-bad_number.csv,11,10,card_transactions,amount,bad_number
card_transactions-bad_number.csv,12,11,card_transactions,amount,bad_number
card_transactions-bad_row.csv,5,3,card_transactions,,bad_row
card_transactions-bad_row.csv,6,4,card_transactions,,bad_row
card_transactions-bad_row.csv,8,6,card_transactions,,bad_row
card_transactions-bad_row_encoding.csv,3,2,card_transactions,,bad_row
card_transactions-duplicates.csv,6,5,card_transactions,amount,bad_number
card_transactions-duplicates.csv,7,6,card_transactions,merchant_category,bad_enum
card_transactions-duplicates2.csv,5,4,card_transactions,student_id,unknown_student
card_transactions-future_timestamp.csv,5,4,card_transactions,ts,future_timestamp
card_transactions-future_timestamp.csv,6,5,card_transactions,ts,future_timestamp
card_transactions-future_timestamp.csv,7,6,card_transactions,ts,future_timestamp
card_transactions-future_timestamp.csv,9,8,card_transactions,ts,future_timestamp
card_transactions-missing_required.csv,4,3,card_transactions,txn_id,missing_required
card_transactions-missing_required.csv,5,4,card_transactions,student_id,missing_required
card_transactions-missing_required.csv,6,5,card_transactions,ts,missing_required
card_transactions-missing_required.csv,7,6,card_transactions,amount,missing_required
card_transactions-missing_required.csv,8,7,card_transactions,kind,missing_required
card_transactions-missing_required.csv,9,8,card_transactions,merchant_category,missing_required
card_transactions-missing_required.csv,11,10,card_transactions,student_id,missing_required
card_transactions-non_positive_amount.csv,4,3,card_transactions,amount,non_positive_amount
card_transactions-non_positive_amount.csv,5,4,card_transactions,amount,non_positive_amount
card_transactions-non_positive_amount.csv,6,5,card_transactions,amount,non_positive_amount
card_transactions-non_positive_amount.csv,7,6,card_transactions,amount,non_positive_amount
card_transactions-non_positive_amount.csv,8,7,card_transactions,amount,non_positive_amount
card_transactions-reason_order.csv,3,2,card_transactions,amount,bad_number
card_transactions-reason_order.csv,4,3,card_transactions,kind,bad_enum
card_transactions-reason_order.csv,5,4,card_transactions,merchant_category,bad_enum
card_transactions-reason_order.csv,6,5,card_transactions,student_id,missing_required
card_transactions-reason_order.csv,7,6,card_transactions,ts,missing_required
card_transactions-reason_order.csv,8,7,card_transactions,txn_id,missing_required
card_transactions-reason_order.csv,9,8,card_transactions,ts,bad_timestamp
card_transactions-reason_order.csv,10,9,card_transactions,amount,bad_number
card_transactions-reason_order.csv,11,10,card_transactions,amount,non_positive_amount
card_transactions-reason_order.csv,12,11,card_transactions,ts,future_timestamp
card_transactions-reason_order.csv,13,12,card_transactions,,bad_row
card_transactions-reason_order.csv,15,14,card_transactions,student_id,unknown_student
courses-out_of_range.csv,4,3,courses,credits,out_of_range
courses-out_of_range.csv,5,4,courses,credits,out_of_range
coursework-out_of_range.csv,4,3,coursework,weight,out_of_range
coursework-out_of_range.csv,5,4,coursework,score,out_of_range
coursework-out_of_range.csv,6,5,coursework,weight,out_of_range
grades-bad_number.csv,4,3,grades,attempt,bad_number
grades-bad_number.csv,5,4,grades,score,bad_number
grades-bad_number.csv,6,5,grades,score,bad_number
grades-bad_timestamp.csv,4,3,grades,term,bad_timestamp
grades-bad_timestamp.csv,5,4,grades,term,bad_timestamp
grades-bad_timestamp.csv,6,5,grades,term,bad_timestamp
grades-bad_timestamp.csv,7,6,grades,term,bad_timestamp
grades-bad_timestamp.csv,8,7,grades,recorded_at,bad_timestamp
grades-bad_timestamp.csv,9,8,grades,recorded_at,bad_timestamp
grades-out_of_range.csv,4,3,grades,score,out_of_range
grades-out_of_range.csv,5,4,grades,attempt,out_of_range
grades-out_of_range.csv,6,5,grades,score,out_of_range
grades-out_of_range.csv,7,6,grades,attempt,out_of_range
grades-out_of_range.csv,8,7,grades,score,out_of_range
learning_events-out_of_range.csv,5,4,learning_events,clicks,out_of_range
learning_events-out_of_range.csv,6,5,learning_events,clicks,out_of_range
library_loans-end_before_start.csv,4,3,library_loans,returned_at,end_before_start
library_loans-end_before_start.csv,6,5,library_loans,returned_at,end_before_start
library_loans-future_timestamp.csv,3,2,library_loans,returned_at,future_timestamp
library_loans-future_timestamp.csv,4,3,library_loans,borrowed_at,future_timestamp
network_sessions-end_before_start.csv,4,3,network_sessions,end_ts,end_before_start
network_sessions-end_before_start.csv,5,4,network_sessions,end_ts,end_before_start
participation-bad_number.csv,5,4,participation,verified,bad_number
participation-bad_number.csv,6,5,participation,hours,bad_number
participation-bad_number.csv,7,6,participation,verified,bad_number
participation-out_of_range.csv,4,3,participation,hours,out_of_range
participation-out_of_range.csv,5,4,participation,hours,out_of_range
process_records-bad_enum.csv,5,3,process_records,kind,bad_enum
process_records-bad_enum.csv,6,4,process_records,kind,bad_enum
staff-bad_enum.csv,4,3,staff,role,bad_enum
staff-bad_enum.csv,5,4,staff,role,bad_enum
students-bad_number.csv,4,3,students,cohort,bad_number
students-bad_number.csv,5,4,students,dorm_floor,bad_number
students-bad_number.csv,6,5,students,cohort,bad_number
"""

EXPECTED_COUNTS = """\
file,rows_read,stored,duplicates,quarantined
access_events-bad_timestamp.csv,15,4,0,11
activities-end_before_start.csv,5,3,0,2
assessments-out_of_range.csv,5,3,0,2
attendance-unknown_student.csv,6,3,0,3
awards-future_timestamp.csv,3,2,0,1
card_transactions-bad_enum.csv,8,3,0,5
card_transactions-bad_number.csv,11,3,0,8
card_transactions-bad_row.csv,6,3,0,3
card_transactions-bad_row_encoding.csv,3,2,0,1
card_transactions-duplicates.csv,8,3,3,2
card_transactions-duplicates2.csv,5,1,3,1
card_transactions-future_timestamp.csv,8,4,0,4
card_transactions-missing_required.csv,10,3,0,7
card_transactions-non_positive_amount.csv,7,2,0,5
card_transactions-reason_order.csv,14,2,0,12
courses-out_of_range.csv,5,3,0,2
courses.csv,2,2,0,0
coursework-out_of_range.csv,7,4,0,3
grades-bad_number.csv,5,2,0,3
grades-bad_timestamp.csv,8,2,0,6
grades-out_of_range.csv,7,2,0,5
learning_events-out_of_range.csv,5,3,0,2
library_loans-end_before_start.csv,5,3,0,2
library_loans-future_timestamp.csv,4,2,0,2
network_sessions-end_before_start.csv,5,3,0,2
participation-bad_number.csv,7,4,0,3
participation-out_of_range.csv,4,2,0,2
process_records-bad_enum.csv,5,3,0,2
staff-bad_enum.csv,4,2,0,2
students-bad_number.csv,5,2,0,3
students.csv,5,5,0,0
"""

GB_STUDENTS = H_STUDENTS + """\
G001,欧阳娜,F,外国语学院,日语,日语2401,2024,undergraduate,紫荆公寓3号楼,4,412,0002,0105,league_member,广东,none,active
G002,张子墨,M,计算机科学与技术学院,软件工程,软工2301,2023,undergraduate,丁香公寓1号楼,2,208,0001,,activist,黑龙江,general,active
G003,李婧怡,F,经济管理学院,会计学,会计2501,2025,undergraduate,,,,0002,,masses,内蒙古,hardship,active
"""


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(here), "sample_data", "fixtures"))
    out = ap.parse_args().out
    bad = os.path.join(out, "bad_input")
    for name, text in BAD_INPUT.items():
        data = text.encode("utf-8")
        if name == "learning_events-out_of_range.csv":
            data = b"\xef\xbb\xbf" + data
        if name == "attendance-unknown_student.csv":
            data = data.replace(b"\n", b"\r\n")
        write(os.path.join(bad, name), data)
    write(os.path.join(bad, "card_transactions-bad_row_encoding.csv"), ENCODING_FILE)
    write(os.path.join(bad, "expected_quarantine.csv"), EXPECTED_QUARANTINE.encode("utf-8"))
    write(os.path.join(bad, "expected_counts.csv"), EXPECTED_COUNTS.encode("utf-8"))
    write(os.path.join(out, "gb18030", "students.csv"), GB_STUDENTS.encode("gb18030"))
    write(os.path.join(out, "gb18030", "students-utf8.csv"), GB_STUDENTS.encode("utf-8"))


if __name__ == "__main__":
    main()
