"""Expected answer types: a question asking "who / when / how many / where" prefers items whose
answer actually names a person, a date, a number or a place.

Each type is a pseudo-term: items whose answer shows the evidence carry it, questions that ask
for it contain it, and the index scores it like any other term.

Some details are asked so precisely that only an answer containing them can answer at all (the
exact day, a phone number, the room, a file to download): :func:`missing_detail` names the one an
answer lacks, and the matcher declines rather than answer with the item that merely shares the topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TYPE_WEIGHT = 1.0

_QUESTION_CUES = {
    "⟨who⟩": re.compile(r"谁|哪位|什么人|啥人|哪些人|负责人|一把手"),
    "⟨when⟩": re.compile(r"什么时候|啥时候|几时|何时|哪天|几号|几月|月份|多久|截止|日期|期限|时间|什么时间|周几|星期几|"
                          r"礼拜几|哪一天|几点|哪年|哪一年|年份"),
    "⟨count⟩": re.compile(r"多少|几个|几名|几阶段|几步|几类|几种|几批|几方面|几篇|几份|几项|几人|几条|几家|几所|人数|字数|多少字|多长|数量|数目|个数"),
    "⟨where⟩": re.compile(r"哪里|在哪|哪儿|什么地方|啥地方|几号楼|哪个房间|地址|地点"),
    # "Do we / does X take part": only items saying who takes part answer it.
    "⟨join⟩": re.compile(r"也要搞|要搞吗|要搞不|搞不搞|参加不|参不参加|要参加|参加吗|也参加|算在里面|算不算在|在不在|轮到|轮上|"
                         r"有没有我们|跑不掉|跑得掉|跑不跑|要不要参加|需要参加|参与吗|要参与|需要参与|用不用参加|参加么"),
    # "我们单位也要搞吗": whether the asker's unit takes part is answered by the list of units.
    "⟨units⟩": re.compile(r"(?:单位|学校|医院|幼儿园|中学|小学|初中|高中|中心|体育馆|场馆|职校|卫生院|(?<=我们)[园院校所馆])"
                          r"(?:也|还|都|这次|这回|这批|今年)*(?:要|需要|用|得)?(?:不要|要不要|用不用)?"
                          r"(?:参加|搞|开展|参与|轮|在不在|在这批|算不算|在里面|在名单|有份)"
                          r"|^(?:我们|咱们|咱|俺们)(?:也|还|都|这次|这回|这批|今年)*(?:要|需要|用|得)?(?:不要|要不要|用不用)?"
                          r"(?:参加|搞|开展|参与)(?:学实|学习实践活动|这次活动|活动|这批|第二批)?(?:吗|么|不|没|呢|啊)*$"),
    # "退休党员跟着第二批搞吗": whether a kind of member takes part is answered by the item on that
    # kind, not by the unit list that counts them.
    "⟨member⟩": re.compile(r"^(?=.*(?:参加|参与|搞|跟着|轮到|哪边|归谁|归哪|算谁|算哪|谁管|哪管|回哪|哪开|哪里开))(?!.*(?:多少|几个|几名|人数))"
                            r".*(?:离退休|退休|离休|老干部|借调|挂职|抽调|非在编|编外|党校|学习班|兼职|兼任|非党|党外|民主党派|非中共)"),
    # "What goes into it": only items that list the parts of something answer it.
    # "分几块" counts the parts, which only an item listing them can do.
    "⟨parts⟩": re.compile(r"里头|里面|包括|包含|几部分|哪些部分|几块|几段|[哪几]几?个?方面|哪些方面|写些?啥|写些?什么|"
                          r"[啥什么]{1,2}内容|由哪些"),
}
_ANSWER_EVIDENCE = {
    # "由群众代表参加评议", "以…群众代表为测评范围", "主要领导要主持…撰写": who does the thing is named.
    "⟨who⟩": re.compile(r"[\u4e00-\u9fff]{2,3}(?:同志|书记)|由群众代表参加|群众代表为测评范围|主要领导要主持"),
    "⟨when⟩": re.compile(r"\d+月(?:上旬|中旬|下旬|底)?"),
    "⟨count⟩": re.compile(r"\d+(?:名|个|篇|份|项|字)|[二两三四五六七八九十]个|不少于|字数"),
    # "测评结果在…总结报告中体现": where a result ends up.
    "⟨where⟩": re.compile(r"\d+号楼|\d+室|报告中体现"),
    "⟨join⟩": re.compile(r"参加|参与"),
    "⟨units⟩": re.compile(r"活动的单位"),
    "⟨member⟩": re.compile(r"原则上参加|参加第二批学习实践活动|参加该单位|都要参与|领导干部参加"),
    "⟨parts⟩": re.compile(r"[一二三四五]要有|[一二三四五]要写|（[1-9]）|[①②③]|分[二两三四五]部分|基本框架|等方面"),
}


def asked_types(question: str) -> list[str]:
    return [name for name, cue in _QUESTION_CUES.items() if cue.search(question)]


def evidenced_types(answer: str) -> list[str]:
    return [name for name, evidence in _ANSWER_EVIDENCE.items() if evidence.search(answer)]


# Asking for a day, not a period ("几号交", "哪天开"); "几号楼" asks for a building.
EXACT_DAY = r"哪天|哪一天|几号(?![楼线门房室窗院床人])|具体日期|星期几|周几|礼拜几|几点"

# (question cue, answer evidence) per precise detail. A cue must not catch the outline's own ways of
# asking where ("在哪参加" is about which unit, "报哪里" about whom to report to).
_DETAILS = {
    "no date given": (
        re.compile(EXACT_DAY + r"|(?<!从)哪一?年(?!算起)|"
                   r"(?:什么时候|啥时候|何时|几时)(?:会|要|能)?(?:来|到(?![头期底时])|下来|过来|下发|印发|发下来|开班|开学|报到|结业)"),
        re.compile(r"\d+月"),
    ),
    # "联系方式见附表" points to a table the bot does not have: only a number or an address answers.
    "no contact given": (
        re.compile(r"(?<![打接])电话(?!通知|联系|说)|手机|号码|邮箱|微信号|qq"),
        re.compile(r"\d{7,}|@"),
    ),
    # The outline never speaks of money: allowances, refunds and budgets are somebody else's rules.
    "no money given": (
        re.compile(r"补贴|补助|报销|奖金|加班费|工资|津贴|费用|经费|钱|发票|误餐|误工费|车费|路费|交通费|餐费|伙食费|劳务费|讲课费|稿费|自费|自己买(?![了的])|[要得去]买|购买|自备"),
        re.compile(r"经费|费用|\d+元"),
    ),
    "no place given": (
        re.compile(r"会场|在哪[里儿]?(?:开|领|举行|举办|集合|买|拿)|去哪[里儿]?(?:领|拿|买)|哪[里儿]领|地址|地点|什么地方开|啥地方开|"
                   r"哪[个间](?:礼堂|会议室|会场|房间|教室|楼|办公室|场馆)|[哪什啥]么?个?(?:场地|场所|场馆)|几楼|几层楼|哪一?层楼|在几层|在哪一?层|哪栋"),
        re.compile(r"号楼|\d+室|会议室|礼堂|会场|地址|地点"),
    ),
    "no length given": (
        re.compile(r"多少字|字数|几个字|[几上][千百万]字|万字|写多长|篇幅|几页|多少页|多长(?!时间)"),
        re.compile(r"\d+字|字数|篇幅"),
    ),
    # How long a meeting or a speech lasts: the outline gives stages in weeks, never minutes or hours.
    "no duration given": (
        re.compile(r"几分钟|多少分钟|几个?钟头|几个?小时|多少小时|开多久|讲多久|开多长时间|讲多长时间"),
        re.compile(r"分钟|小时"),
    ),
    # How long something stays posted or kept: the outline says where to publish, never for how long.
    "no period given": (
        re.compile(r"(?:公示|公开|公布|张贴|挂|贴|保存|保留|存档|保管|留存)(?:多少|几)个?(?:天|日|周|星期|礼拜|月|年)"),
        re.compile(r"\d+(?:天|年|个月|个工作日)"),
    ),
    "no reading list given": (
        re.compile(r"[哪几]几?本书|[什啥]么?书|书目|书单|教材|读本|必读|参考书"),
        re.compile(r"书目|读本|教材|选编"),
    ),
    # What happens to a unit that fails a test or review: the outline only says how to hold them.
    "no consequence given": (
        re.compile(r"不合格|不及格|不过关|没过关|没通过|通不过|不达标|没达标|满意度低|满意率低|不满意率|差评|重新整改|返工|"
                   r"扣分|重搞|重做|重测|重新测|问责|追责|完不成(?=的话|会|了?[咋怎]|有|要|被)|[没不]按时|逾期|超期|交晚|晚交|迟交|交迟|晚了会|会被(?:通报|批评|处理|点名)|"
                   r"(?:不|没)(?:写|交|参加|去|开|搞)(?:的话)?会(?:咋样|怎样|怎么样|怎么|咋)|"
                   r"没(?:[弄做搞改开写学]完|完成).{0,10}(?:咋办|怎么办|会怎样|会咋样)"),
        re.compile(r"不合格|不及格|不过关|不达标|补课|重新测评"),
    ),
    "no file given": (
        re.compile(r"下载|网址|链接|二维码|软件|app|公众号|小程序|发(?:个|份|一份|一下|给我)?(?:清单|名单|文件|原件)|"
                   r"word|[哪什啥]么?个?平台|[哪什啥]么?个?系统"),
        re.compile(r"下载|网址|http|软件"),
    ),
    # A form or a model to follow: only "参照社工委方案" (the plan's model) answers it.
    "no template given": (
        re.compile(r"范本|样表|模板(?!.{0,4}参照)|格式的表|格式表|(?:哪张|哪个|什么|啥)表格?(?![态现彰达扬率述决])|议程|日程"),
        re.compile(r"样表|参照[^，。；]{0,6}方案"),
    ),
    # How a paper is handed in: "书面评议" and "书面或网络公开" are ways to review and publish a
    # paper, never to hand it in.
    "no way to hand in given": (
        re.compile(r"(?:交|提交|报送|上报|上交)[^ ]{0,3}(?:纸质|电子版|电子稿|打印|(?<!着)手写)|"
                   r"(?:纸质|电子版|电子稿|打印稿|(?<!着)手写)[^ ]{0,6}(?:交|提交|报送|上报)"),
        re.compile(r"电子"),
    ),
    # Which medium (online, printed, by e-mail): the outline names media for surveying, publishing
    # and reviewing only.
    "no medium given": (
        re.compile(r"网上(?:提交|交|报|传)|线上(?:提交|交|报)|电子版|纸质|(?<!着)手写|打印|发邮件|u盘"),
        re.compile(r"网上|网络|书面|电子"),
    ),
    "no frequency given": (
        re.compile(r"多久.{0,3}一[期次回]|几天一[期次]|多长时间一[期次]|[开搞办]几次|几次会|[一每]个?(?:月|周|星期|礼拜|年|季度).{0,6}几次|出几期|多少期|几期"),
        re.compile(r"每[周月天年季]|\d+次|[一二两三四五]次|及时向上"),
    ),
    "no head count given": (
        re.compile(r"派几个?人|派多少人|几个人[去参上来]|[去来]几个人|多少人[去参来]|几人参加|几个代表|多少个代表"),
        re.compile(r"\d+名|\d+人|[一二两三四五六七八九十]+名|不少于|人数"),
    ),
    # Scores and rankings of members' writing: the outline only asks for it to be written.
    "no scoring given": (
        re.compile(r"打分|排名(?!单)|评分|名次|排个名"),
        re.compile(r"打分|评分|排名"),
    ),
    "no score scale given": (
        re.compile(r"满分|计分|[怎咋]么?算分|分值|几分制|百分制"),
        re.compile(r"满分|\d+分"),
    ),
    # A limit in days or numbers ("几天以内书记就能批"): the outline gives rules, never cut-offs.
    "no threshold given": (
        re.compile(r"几天以[内上]|几天之内|几天内|超过几天|超过多少|多少天以[内上]|多少以[上内]"),
        re.compile(r"\d+(?:天|日|名|个|%)|不少于"),
    ),
    # A pass mark for a rating: the outline says how to hold the test, never what score passes.
    "no pass mark given": (
        re.compile(r"(?<!不)合格|及格|(?<!不)达标|满意率|通过率|达到多少|达到百分之|合格线|及格线"),
        re.compile(r"%|合格|及格|达标"),
    ),
    # Papers a member must bring or fetch (a sick note, a transfer letter): the outline rules on
    # who approves leave and where members take part, never on the paperwork.
    "no paperwork given": (
        re.compile(r"开(?:个|张|什么|啥|哪些|哪种)?证明|证明材料|病历|诊断书|介绍信|"
                   r"关系.{0,10}手续|手续.{0,6}关系"),
        re.compile(r"证明|介绍信|手续"),
    ),
    # Who chairs or speaks at a meeting: the outline says which meetings to hold, not who leads them
    # (only the analysis report has its author named).
    "no host given": (
        re.compile(r"主持|主讲|谁[来去]?讲课|谁[来去]?[作做]报告|谁[来去]?讲话|哪[个位]领导[来去]?讲"),
        re.compile(r"主持|主讲|讲课|[作做]报告|讲话"),
    ),
    # What to wear: never in the outline.
    "no dress code given": (
        re.compile(r"(?<![贯])穿(?!插)|着装|正装|服装|制服|工作服|戴党徽|佩戴"),
        re.compile(r"着装|服装|佩戴|党徽"),
    ),
    # Whom a paper goes to: only the items saying "报上一级…" answer it ("心得体会交给谁" is not).
    "no recipient given": (
        re.compile(r"(?:交|报|送|递)给谁|(?:交|报送|上交|送)到?哪(?:[里儿]|$| )|找谁交"),
        re.compile(r"报上一?级|报上级|向上一?级|报批|备案|通报"),
    ),
    # When an office is staffed: the outline gives the office's room, never its hours.
    "no office hours given": (
        re.compile(r"值班|办公时间|上班时间|开放时间|几点上班|几点下班|几点开门|周末有人|晚上有人|中午有人"),
        re.compile(r"值班|办公时间"),
    ),
    # Who stands in for an absent leader: the outline names the posts, never a deputy for them.
    "no stand-in rule given": (
        re.compile(r"临时代|代一下|代替|顶替|(?<!人事)代理|替代|顶上|替一下|代为|替他|替她"),
        re.compile(r"代替|顶替|委托|代理|代训"),
    ),
}


# A length or a date given for one thing does not answer when or how long another is: the paragraph
# stating it must share a word with the question when the question names anything the answer speaks of. A general "no length required" may instead stand
# in the item whose own question shares a word with it.
_LENGTH_FOR_ONE_THING = re.compile(r"\d+字")
_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
# Pairs found in most paragraphs of any outline ("本单位", "学习实践活动"): sharing one says nothing.
_GENERIC_PAIRS = frozenset({
    "单位", "我们", "咱们", "活动", "学习", "实践", "习实", "践活", "学实", "工作", "党员", "党组", "组织", "要求",
    "开展", "进行", "这个", "什么", "多少", "可以", "需要", "一类", "二类", "第一", "第二",
})


def _shares_word(question: str, text: str) -> bool:
    return any(pair in text for pair in _CJK_PAIR.findall(question) if pair not in _GENERIC_PAIRS)


# A cue that is no question in the presence of these words: the satisfaction test is itself a rating,
# so "测评请哪些人来打分" asks who rates, which the outline says; so does "打分表找哪些人来打".
# A member who belongs to two places ("借调的生活会在哪开") asks which unit, not which room.
_UNLESS = {"no scoring given": re.compile(r"测评|满意度|打分的?结果|(?:谁|哪些人|什么人|啥人)(?:来|去)?(?:打|评|测)|(?:找|请|叫)(?:谁|哪些人)"),
           "no recipient given": re.compile(r"给谁评|谁来?评"),
           "no place given": re.compile(r"借调|挂职|抽调|下派|借用|兼职|兼任|两边|哪边|原单位|党校")}


def _told_spans(question: str, telling: str) -> list[tuple[int, int]]:
    """Where the clauses of ``telling`` (clauses of ``question`` that only tell) stand in it."""
    told = set(telling.split(" "))
    spans, start = [], 0
    for clause in question.split(" "):
        if clause in told:
            spans.append((start, start + len(clause)))
        start += len(clause) + 1
    return spans


def missing_detail(question: str, answer: str, item_question: str = "", terms: Sequence[str] = (),
                   telling: str = "") -> str | None:
    """The precise detail ``question`` asks for that ``answer`` (of the item asking ``item_question``)
    does not contain, or None. ``terms`` are the outline's terms the question names, if any: a date
    must be stated beside one of them ("指导检查组哪天来" is not answered by another meeting's date).
    A cue standing wholly in a clause of ``telling`` is the asker's story, not what is asked
    ("比如人手和经费不足" does not ask about money)."""
    told = _told_spans(question, telling) if telling else []
    for reason, (cue, evidence) in _DETAILS.items():
        if not any(not any(a <= m.start() and m.end() <= b for a, b in told) for m in cue.finditer(question)):
            continue
        if reason in _UNLESS and _UNLESS[reason].search(question):
            continue
        paragraphs = [p for p in answer.splitlines() if evidence.search(p)]
        if reason == "no date given" and terms:
            paragraphs = [p for p in paragraphs if any(term in p for term in terms)]
        # A question naming nothing the answer speaks of ("到底哪天完") takes the item's dates as a whole.
        elif reason == "no length given" or (
            reason == "no date given" and any(_shares_word(question, p) for p in answer.splitlines())
        ):
            paragraphs = [
                p for p in paragraphs
                if _shares_word(question, p)
                or (reason == "no length given" and not _LENGTH_FOR_ONE_THING.search(p) and _shares_word(question, item_question))
            ]
        if not paragraphs:
            return reason
    return None
