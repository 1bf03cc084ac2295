"""Text normalisation for the speech monitor: one character in, one character out.

Every mapping here is 1:1 (``str.translate`` with single-character values), so a position in the normalised text is
the same position in the original turn text and finding spans need no offset table. What is normalised:

* both languages: full-width ASCII forms and the ideographic space to ASCII; upper case to lower case; curly quotes,
  corner brackets and CJK punctuation to their ASCII counterparts (``，``→``,`` ``。``→``.`` ``？``→``?`` ...);
* Chinese: the polite ``您`` to ``你`` and ``她``/``祂`` to ``他`` (pronoun variants the patterns need not spell twice);
  traditional characters that occur in collection talk to their simplified forms (a curated table, below);
* English: ``’`` to ``'`` and hyphens/dashes to spaces (``post-dated`` = ``post dated``). Contractions are *not*
  expanded in the text (that would change lengths); instead the pattern compiler expands each English term into its
  contracted spellings (``will not`` → ``won't``, ``wont``...; see ``patterns.contraction_variants``).
"""

from __future__ import annotations

# Traditional → simplified pairs (trad, simp) for characters that occur in collection speech. Curated, not exhaustive.
_TRAD_SIMP = (
    "還还錢钱們们會会來来門门這这個个說说話话為为爲为讓让給给對对沒没麼么嗎吗裡里裏里後后與与發发報报殺杀斷断"
    "親亲屬属單单師师詐诈騙骗監监獄狱帶带賬账帳账債债銀银碼码證证訊讯錄录號号頭头見见電电紀纪開开傳传執执審审"
    "撥拨聯联繫系係系殘残廢废處处貸贷婦妇孫孙兒儿學学車车燒烧滅灭幫帮蹤踪醫医樣样爺爷媽妈爸爸個个們们罰罚鎖锁"
    "凍冻結结產产員员務务機机關关劃划違违規规險险嚇吓脅胁誰谁麽么該该應应讀读寫写認认識识記记錯错請请謝谢讓让"
    "讓让門门問问間间閉闭闖闯鬧闹擾扰騷骚擊击傷伤揍揍打打腳脚臉脸狗狗豬猪畜畜賴赖騙骗氣气壞坏罵骂髒脏醜丑窮穷"
    "種种憐怜廢废緊紧張张剛刚趕赶邊边過过還还進进遠远運运達达連连週周鐘钟點点黨党權权證证據据紙纸張张寄寄郵邮"
    "簡简訊讯網网絡络視视頻频圖图線线紅红綠绿藍蓝買买賣卖價价貴贵費费資资實实寶宝們们個个樓楼層层鄰邻區区鄉乡"
    "縣县鎮镇莊庄戶户籍籍護护照照簽签遞递驅驱逐逐離离婚婚癌癌憂忧鬱郁終终殯殡儀仪喪丧禮礼孩孩將将歲岁齡龄殘残"
    "疾疾瘋疯癲癫傻傻宗宗廟庙穆穆斯斯蘭兰猶犹太太異异議议訴诉訟讼狀状審审判判決决執执庭庭檢检察察仲仲裁裁員员"
    "構构罪罪犯犯詐诈欺欺盜盗竊窃刑刑拘拘捕捕銬铐槍枪監监辦办處处長长領领導导闆板經经理理僱雇傭佣辭辞職职"
    "紀纪委委飯饭碗碗滾滚媽妈蛋蛋屁屁婊婊賤贱廢废渣渣爛烂敗败類类蟲虫鬼鬼魂魂棺棺墳坟葬葬災灾禍祸報报應应"
)
_ZH_EXTRA = {"您": "你", "妳": "你", "她": "他", "祂": "他", "祢": "你"}

_COMMON = {
    "\u3000": " ", "\u00a0": " ", "\t": " ", "\r": " ",
    "，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "、": ",", "．": ".",
    "“": '"', "”": '"', "„": '"', "‟": '"', "「": '"', "」": '"', "『": '"', "』": '"', "《": '"', "》": '"',
    "（": "(", "）": ")", "【": "[", "】": "]", "…": ".", "～": "~", "·": " ",
}


def _build_tables() -> tuple[dict[int, str], dict[int, str]]:
    base: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        base[code] = chr(code - 0xFEE0).lower()
    for code in range(ord("A"), ord("Z") + 1):
        base[code] = chr(code).lower()
    for src, dst in _COMMON.items():
        base[ord(src)] = dst
    zh = dict(base)
    zh[ord("‘")] = '"'
    zh[ord("’")] = '"'
    for i in range(0, len(_TRAD_SIMP) - 1, 2):
        trad, simp = _TRAD_SIMP[i], _TRAD_SIMP[i + 1]
        if trad != simp:
            zh[ord(trad)] = simp
    for src, dst in _ZH_EXTRA.items():
        zh[ord(src)] = dst
    en = dict(base)
    en[ord("‘")] = "'"
    en[ord("’")] = "'"
    en[ord("`")] = "'"
    en[ord("´")] = "'"
    for dash in "-‐‑‒–—―－":
        en[ord(dash)] = " "
    return zh, en


ZH_TABLE, EN_TABLE = _build_tables()
_TABLES = {"zh": ZH_TABLE, "en": EN_TABLE}


def normalise(text: str, language: str) -> str:
    """Normalise ``text`` for matching in ``language`` ("zh" or "en"); the result has the same length as the input."""
    return text.translate(_TABLES[language])


def normalise_term(term: str, language: str) -> str:
    """Normalise a pattern term the same way as the text it will be matched against (collapsing runs of spaces)."""
    return " ".join(normalise(term, language).split())
