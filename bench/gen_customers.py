#!/usr/bin/env python3
"""A CSV of realistic Chinese customers for the import benchmark.

    bench/gen_customers.py ROWS OUT.csv [SEED]

About 5% of the rows are invalid (a mobile one digit short, a broken email,
no name, a credit code with a wrong check character) and about 10% repeat
an earlier row's mobile, email or credit code under another spelling of
the name, as merged lists from several sales reps do. Headers are the
Chinese ones people write; the file is UTF-8 as Excel's "CSV UTF-8" saves
it. Prints the expected counts as JSON on standard error.
"""
import csv
import json
import random
import sys

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏建华红梅飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳怡雪琳晨曦子涵梓萱浩然宇轩思远"
CITIES = [("北京市", "北京"), ("上海市", "上海"), ("广东省", "广州"), ("广东省", "深圳"), ("浙江省", "杭州"),
          ("江苏省", "南京"), ("江苏省", "苏州"), ("四川省", "成都"), ("湖北省", "武汉"), ("陕西省", "西安"),
          ("福建省", "厦门"), ("山东省", "青岛"), ("天津市", "天津"), ("重庆市", "重庆"), ("湖南省", "长沙")]
WORDS = ["华信", "恒通", "嘉禾", "瑞丰", "天成", "鼎盛", "宏远", "博雅", "新锐", "卓越", "中科", "润达", "金桥", "汇智", "东方", "明德"]
TRADES = ["科技", "贸易", "实业", "信息技术", "电子", "物流", "餐饮管理", "教育科技", "医疗器械", "建材"]
SOURCES = ["展会", "官网", "老客户介绍", "电话营销", "百度推广", "微信", "地推"]
STAGES = ["线索", "意向", "成交客户", "忠诚客户"]
TITLES = ["经理", "总监", "采购", "总经理", "助理", "工程师", "财务"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(rng, valid=True):
    body = "91" + f"{rng.randrange(110000, 659999)}" + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    check = (31 - total % 31) % 31
    if not valid:
        check = (check + 1) % 31
    return body + USCC_CHARS[check]


def main():
    rows = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    kept = []  # earlier valid rows a duplicate may repeat
    used_mobiles = set()
    expected = {"valid": 0, "invalid": 0, "duplicate": 0}
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机号码", "邮箱", "公司名称", "职位", "省份", "城市", "来源", "客户阶段", "统一社会信用代码", "备注"])
        for i in range(rows):
            roll = rng.random()
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            province, city = rng.choice(CITIES)
            company = city + rng.choice(WORDS) + rng.choice(TRADES) + "有限公司"
            while True:
                mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
                if mobile not in used_mobiles:
                    used_mobiles.add(mobile)
                    break
            email = f"u{i}@{rng.choice(['qq.com', '163.com', 'example.cn', 'corp.com.cn'])}" if rng.random() < 0.6 else ""
            code = uscc(rng) if rng.random() < 0.3 else ""
            row = [name, mobile, email, company, rng.choice(TITLES), province, city,
                   rng.choice(SOURCES), rng.choice(STAGES), code, ""]
            if roll < 0.05:
                kind = rng.randrange(4)
                if kind == 0:
                    row[1] = mobile[:10]
                elif kind == 1:
                    row[2] = f"u{i}@@broken"
                elif kind == 2:
                    row[0] = ""
                else:
                    row[9] = uscc(rng, valid=False)
                expected["invalid"] += 1
            elif roll < 0.15 and kept:
                earlier = rng.choice(kept)
                row[0] = earlier[0] + rng.choice(["", "（新）", " "])
                # The same person written another way: spaced mobile, upper-case email.
                row[1] = earlier[1][:3] + " " + earlier[1][3:7] + " " + earlier[1][7:]
                row[2] = earlier[2].upper()
                row[9] = earlier[9]
                expected["duplicate"] += 1
            else:
                kept.append(row)
                if len(kept) > 50000:
                    kept.pop(rng.randrange(len(kept)))
                expected["valid"] += 1
            w.writerow(row)
    json.dump(expected, sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
