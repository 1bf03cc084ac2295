"""Synthetic but realistic registry data for the demo region (Shaoxing, a Yangtze River Delta prefecture city).

Pure functions of a ``random.Random``: names, valid identity numbers and unified social credit codes (unique by
construction, through a bijection of the debtor's index), phones, addresses, products, amounts and overdue buckets.
Nothing here touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from portal.core.identifiers import id_check_char, uscc_check_char

# The districts of Shaoxing with their administrative division codes (GB/T 2260).
DISTRICTS = (
    ("330602", "越城区"), ("330603", "柯桥区"), ("330604", "上虞区"),
    ("330624", "新昌县"), ("330681", "诸暨市"), ("330683", "嵊州市"),
)
STREETS = ("解放北路", "中兴中路", "人民西路", "胜利东路", "环城西路", "鲁迅中路", "笛扬路", "金柯桥大道", "群贤路",
           "人民大道", "江扬路", "浣东北路", "艮塔西路", "鼓山中路", "剡湖街道", "七星街道", "大唐镇", "钱清镇")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
            "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
            "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔",
            "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦",
            "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵")
# Frequencies fall off along the list (Zipf-like), as surnames do.
SURNAME_CUM_WEIGHTS = tuple(accumulate(1.0 / (i + 3) for i in range(len(SURNAMES))))
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
         "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "红", "玉", "林", "波", "斌", "宇", "浩", "凯",
         "婷", "雪", "琳", "晨", "欣", "怡", "佳", "俊", "鹏", "飞", "海", "峰", "军", "晓", "东", "亮", "春", "梅")
TRADE_NAMES = ("越兴", "鉴湖", "兰亭", "会稽", "稽山", "古越", "舜江", "曹娥", "剡溪", "天姥", "浣纱", "柯岩",
               "东浦", "大禹", "永盛", "恒泰", "宏达", "金鼎", "瑞丰", "华宇", "锦江", "同创", "力诚", "振兴")
INDUSTRIES = ("纺织", "印染", "轻纺贸易", "化纤", "服装", "袜业", "领带", "珍珠", "五金", "机械制造", "电机",
              "建材", "黄酒酿造", "茶业", "电子科技", "新材料", "物流", "建筑工程", "汽配", "家具")
ORG_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")

PERSON_PRODUCTS = (("consumer_loan", 5_000, 200_000), ("credit_card", 2_000, 80_000), ("car_loan", 50_000, 400_000),
                   ("mortgage", 300_000, 3_000_000), ("business_loan", 50_000, 1_000_000))
ENTERPRISE_PRODUCTS = (("working_capital", 500_000, 30_000_000), ("operating_loan", 200_000, 10_000_000),
                       ("scf_receivable", 100_000, 5_000_000), ("equipment_loan", 300_000, 8_000_000),
                       ("trade_finance", 200_000, 20_000_000))

# (status, days past due range or None, weight) — the portfolio's buckets.
BUCKETS = (
    ("current", None, 77.0),
    ("overdue", (1, 30), 5.0),
    ("overdue", (31, 90), 4.0),
    ("overdue", (91, 180), 2.5),
    ("overdue", (181, 720), 1.5),
    ("written_off", (181, 1500), 2.0),
    ("in_litigation", (91, 900), 1.5),
    ("settled", None, 6.5),
)
BUCKET_CUM_WEIGHTS = tuple(accumulate(b[2] for b in BUCKETS))

_FIRST_BIRTH = date(1955, 1, 1)
_BIRTH_DAYS = (date(2003, 12, 31) - _FIRST_BIRTH).days + 1
_PERSON_SLOTS = len(DISTRICTS) * _BIRTH_DAYS * 500
_ORG_SLOTS = 10**8
_MULTIPLIER = 2_147_483_647  # a prime: coprime with both slot counts, so i -> (a*i + b) mod N is a bijection


@dataclass(frozen=True)
class Bijection:
    """A seeded permutation of slot numbers: distinct indexes give distinct identifiers."""

    person_offset: int
    org_offset: int

    @classmethod
    def from_rng(cls, rng: random.Random) -> Bijection:
        """Offsets drawn from the generator (so each seed has its own population)."""
        return cls(rng.randrange(_PERSON_SLOTS), rng.randrange(_ORG_SLOTS))

    def person_number(self, index: int, male: bool) -> tuple[str, str]:
        """(identity number, district name) of the ``index``-th person."""
        slot = (_MULTIPLIER * index + self.person_offset) % _PERSON_SLOTS
        slot, seq = divmod(slot, 500)
        area, day = divmod(slot, _BIRTH_DAYS)
        code, district = DISTRICTS[area]
        born = _FIRST_BIRTH + timedelta(days=day)
        body = f"{code}{born.year:04d}{born.month:02d}{born.day:02d}{2 * seq + (1 if male else 0):03d}"
        return body + id_check_char(body), district

    def enterprise_code(self, index: int, area: int) -> str:
        """The unified social credit code of the ``index``-th enterprise (registered in district ``area``)."""
        org = (_MULTIPLIER * index + self.org_offset) % _ORG_SLOTS
        digits = f"{org:08d}"
        weights = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check digit
        check = 11 - sum(int(c) * w for c, w in zip(digits, weights, strict=True)) % 11
        org_code = digits + ("X" if check == 10 else "0" if check == 11 else str(check))
        body = "91" + DISTRICTS[area][0] + org_code  # digits and X only: all in USCC_ALPHABET
        return body + uscc_check_char(body)


def person_name(rng: random.Random) -> str:
    """A Chinese personal name: a weighted surname and one or two given-name characters."""
    surname = rng.choices(SURNAMES, cum_weights=SURNAME_CUM_WEIGHTS)[0]
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


def enterprise_name(rng: random.Random, district: str) -> str:
    """An SME's registered name in the city."""
    return f"绍兴市{district}{rng.choice(TRADE_NAMES)}{rng.choice(INDUSTRIES)}{rng.choice(ORG_FORMS)}"


def phone(rng: random.Random, enterprise: bool) -> str:
    """A mobile number (persons) or a Shaoxing landline (enterprises)."""
    if enterprise and rng.random() < 0.6:
        return f"0575{rng.randrange(80_000_000, 89_999_999)}"
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def address(rng: random.Random, district: str) -> str:
    """A street address in the district."""
    return f"浙江省绍兴市{district}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"


def amount_fen(rng: random.Random, low_yuan: int, high_yuan: int) -> int:
    """A log-uniform amount between the bounds, rounded to whole yuan, in fen."""
    return int(round(low_yuan * (high_yuan / low_yuan) ** rng.random())) * 100
