"""Vocabulary and small deterministic helpers for the demo-data generator
(`graph.seed_data`): Chinese names, place names, dates, ages, education and
political status drawn from a seeded `random.Random`, and the reference figures
the generated county is made to match (DOMAIN.md).

Every function takes the generator's RNG, so one seed gives one dataset.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid

from graph.model import Education, Gender, HouseholdTag, PoliticalStatus

# Ages ("45 or under") are taken on this day, in the middle of the 2021 term change.
AGE_REFERENCE = dt.date(2021, 6, 30)
# No generated date falls after this day.
AS_OF = dt.date(2024, 12, 31)
COUNTY = ("青溪县", "QX")
# The city of the `city` scale and its counties and districts (the first is COUNTY).
CITY = ("青州市", "QZ")
CITY_COUNTIES = (COUNTY, ("云川区", "YC"), ("石湖县", "SH"), ("兰江区", "LJ"), ("柳溪县", "LX"))

# Reference figures (DOMAIN.md): Quzhou's 2021 village chairs, Yingshang's funnel.
YOUNG_CHAIR_SHARE = 690 / 1591  # chairs aged 45 or under
COLLEGE_CHAIR_SHARE = 306 / 1591  # chairs with junior college or above
ACTIVIST_SHARE = 306 / 4240  # village sisters who became Party activists
MEMBER_SHARE_OF_ACTIVISTS = 51 / 306  # activists who became Party members
DEVELOPMENT_SHARE_OF_ACTIVISTS = 0.40  # activists who became development targets
REPRESENTATIVE_SHARE = 204 / 4240
RESERVE_OR_COMMITTEE_SHARE = 130 / 4240
# Coverage (联系户): shares of grids led by an executive, of households a village
# sister covers directly, and of those a second sister covers too.
GRID_COVERED_SHARE = 0.75
DIRECT_COVERED_SHARE = 0.72
TWICE_COVERED_SHARE = 0.06

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
)
# Cumulative weights: the most common surnames first, a long tail after.
_SURNAME_WEIGHTS = tuple(itertools.accumulate(max(1.0, 60.0 / (i + 4)) for i in range(len(_SURNAMES))))
_FEMALE = "秀英华玉兰芳丽敏静燕红霞梅娟琴云萍凤洁莉琳婷雪慧娜艳颖倩佳欣怡悦蕾楠丹晶薇月桂珍翠春金淑美琼"
_MALE = "伟强军勇杰涛明超斌波辉刚健平国建林峰磊鹏成海东志文永德福生荣保"
# Two-character township roots (+ 镇 or 乡) and village name parts (+ 村).
_TOWNSHIPS = (
    "清水桃源凤凰白沙龙泉石门柳塘金桥新华双河长岭杨林梅山东湖"
    "西岭南塘北关高桥永安太平黄田大坪青山马鞍安乐兴隆福田花溪"
)
_VILLAGE_FIRST = (
    "李王张陈刘周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯上下东西南北前后新老大小石杨柳桃杏荷竹松梅龙凤黄白青红金"
)
_VILLAGE_SECOND = "家庄塘湾坪岭桥河溪沟坝山寨营集店岗冲园田湖洲畈圩埠"
COUNTY_UNITS = ("人民医院", "第一中学", "市场监管局机关", "电商产业园", "广场舞协会", "新就业群体")
TOWNSHIP_UNITS = ("中心卫生院", "中心小学", "纺织有限公司", "农业专业合作社")
_TAG_SHARES = (
    (HouseholdTag.LEFT_BEHIND_CHILD, 0.05),
    (HouseholdTag.LEFT_BEHIND_ELDERLY, 0.04),
    (HouseholdTag.HARDSHIP_WOMAN, 0.03),
    (HouseholdTag.LOW_INCOME, 0.05),
    (HouseholdTag.DISABILITY, 0.03),
    (HouseholdTag.MODEL_FAMILY, 0.02),
    (HouseholdTag.BEAUTIFUL_COURTYARD, 0.04),
    (HouseholdTag.CLEAN_HOUSEHOLD, 0.05),
)
_COLLEGE = (Education.JUNIOR_COLLEGE, Education.BACHELOR, Education.POSTGRADUATE)
_SCHOOL = (Education.BELOW_JUNIOR_HIGH, Education.JUNIOR_HIGH, Education.SENIOR_HIGH)
_PHONE_PREFIXES = ("138", "139", "137", "135", "136", "150", "151", "152", "158", "159", "187", "188")


def quota(rng: random.Random, n: int, share: float, minimum: int = 0) -> list[bool]:
    """n flags of which exactly round(n * share) (at least `minimum`, at most n) are
    True, in random order."""
    k = min(n, max(minimum, round(n * share)))
    flags = [True] * k + [False] * (n - k)
    rng.shuffle(flags)
    return flags


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def day_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A day in [lo, hi] (lo when hi is earlier)."""
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def after(rng: random.Random, start: dt.date, lo_days: int, hi_days: int) -> dt.date:
    """A day lo..hi days after `start`, never later than AS_OF."""
    return min(AS_OF, start + dt.timedelta(days=rng.randint(lo_days, hi_days)))


def plus_year(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def birth_date(rng: random.Random, age: int) -> dt.date:
    """A birth date giving exactly `age` full years on AGE_REFERENCE."""
    birthday = AGE_REFERENCE.replace(year=AGE_REFERENCE.year - age)
    return birthday - dt.timedelta(days=rng.randint(0, 364))


def age_on(birth: dt.date, on: dt.date = AGE_REFERENCE) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def chinese_name(rng: random.Random, gender: Gender) -> str:
    """A surname (common ones weighted) and one or two given-name characters."""
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
    chars = _FEMALE if gender is Gender.FEMALE else _MALE
    return surname + "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.3 else 2))


def phone(rng: random.Random) -> str:
    return rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def education(rng: random.Random, age: int, college_share: float | None = None) -> Education:
    """Highest education; older people lower on average. With `college_share`, the
    chance of junior college or above is that instead."""
    college = college_share if college_share is not None else (0.25 if age < 35 else 0.06)
    if rng.random() < college:
        return rng.choices(_COLLEGE, cum_weights=(65, 98, 100))[0]
    if age < 18:
        return Education.JUNIOR_HIGH if age >= 15 else Education.BELOW_JUNIOR_HIGH
    return rng.choices(_SCHOOL, cum_weights=(10, 55, 100) if age < 45 else (35, 80, 100))[0]


def political_status(rng: random.Random, age: int, party_share: float) -> PoliticalStatus:
    """A political status outside the tracked pipeline: Party member with
    `party_share`, else League member (young), applicant or masses."""
    r = rng.random()
    if age >= 18 and r < party_share:
        return PoliticalStatus.PARTY_MEMBER
    if 14 <= age <= 28 and r < party_share + 0.35:
        return PoliticalStatus.LEAGUE_MEMBER
    if age >= 18 and r > 0.95:
        return PoliticalStatus.PARTY_APPLICANT
    return PoliticalStatus.MASSES


def household_tags(rng: random.Random) -> list[str]:
    return [tag.name for tag, share in _TAG_SHARES if rng.random() < share]


def township_names(rng: random.Random, n: int) -> list[str]:
    roots = rng.sample([_TOWNSHIPS[i : i + 2] for i in range(0, len(_TOWNSHIPS), 2)], n)
    return [root + ("乡" if rng.random() < 0.25 else "镇") for root in roots]


def village_name(rng: random.Random, used: set[str]) -> str:
    """A two-character village name like 石桥村, unique within the county."""
    while True:
        name = rng.choice(_VILLAGE_FIRST) + rng.choice(_VILLAGE_SECOND) + "村"
        if name not in used:
            used.add(name)
            return name


def unit_names(rng: random.Random, prefix: str, pool: tuple[str, ...], n: int) -> list[str]:
    return [f"{prefix}{unit}妇委会" for unit in rng.sample(pool, n)]
