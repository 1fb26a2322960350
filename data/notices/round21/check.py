#!/usr/bin/env python3
"""Self-check for the round-21 notices set (prefix j).

Run from anywhere:  python3 data/notices/round21/check.py
It prints counts and file names only (never another set's text) and exits non-zero on any
failure.  OpenCC (opencc-python-reimplemented) is optional: when importable, the script also
checks that the Traditional documents are unchanged by a further s2tw pass and the Simplified
ones by t2s, and searches every word in both scripts.  At the end it runs the check scripts of
the other sets (rounds 18-20) with the same interpreter and reports their exit status only.
"""
import json, os, re, sys, glob, collections, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
NOTICES = os.path.dirname(HERE)
SEEDS = '/work/shared/corpus/seeds'
FAIL = []


def fail(msg):
    FAIL.append(msg)
    print('FAIL:', msg)


# ---------------------------------------------------------------- set description
PLACES = {  # simplified: (traditional, pinyin, documents)
    '郃潏县': ('郃潏縣', 'hejue', ['01', '09']),
    '鄅湑市': ('鄅湑市', 'yuxu', ['02', '10']),
    '鄇溍区': ('鄇溍區', 'houjin', ['03', '11']),
    '鄎澥县': ('鄎澥縣', 'xixie', ['04', '12']),
    '鄏沇市': ('鄏沇市', 'ruyan', ['05', '13']),
    '鄐泲县': ('鄐泲縣', 'chuji', ['06', '14']),
    '鄦洈区': ('鄦洈區', 'xuwei', ['07', '15']),
    '鄪湨县': ('鄪湨縣', 'biju', ['08', '16']),
}
PLACE_CHARS = set('郃潏鄅湑鄇溍鄎澥鄏沇鄐泲鄦洈鄪湨')
TRAD_DOCS = {'03', '06', '08', '10'}
LAYOUT = {  # space / run / para / pdf
    '02': 'space', '04': 'space', '05': 'space', '06': 'space', '07': 'space', '11': 'space',
    '13': 'space', '14': 'space', '16': 'space', '01': 'run', '10': 'run', '12': 'run',
    '15': 'run', '03': 'para', '08': 'para', '09': 'pdf'}
PDF = {'09': (36, '— {} —')}
FURNITURE = {'01', '04', '07', '14'}  # one-line pages carrying the site's own labels
LISTS = {'j06-q1', 'j07-q1', 'j12-q1', 'j13-q1'}
COLLOQUIAL = {'j01-q2', 'j03-q2', 'j06-q2', 'j08-q2', 'j13-q2'}
UNNUMBERED = {'05', '10', '11'}  # measures as run-in titled paragraphs, no numbering
# body of each document: golds must lie after START and before END (text with newlines and
# PDF footers removed); title, number, addressee, preamble, contact and date lines are outside
BODY = {
    '01': ('通告如下：', '联系电话：'), '02': ('制定本实施方案。', '联系人：'),
    '03': ('並回答記者提問。', '主持人：今天'), '04': ('现提出如下措施：', '联系电话：'),
    '05': ('主要做法如下：', '（鄏沇市妇联供稿）'), '06': ('告知如下：', '十、諮詢電話'),
    '07': ('通知如下：', '联系电话：'), '08': ('解讀如下：', '諮詢電話：'),
    '09': ('制定本办法。', '郃潏县人民政府办公室'), '10': ('通知如下：', '聯繫電話：'),
    '11': ('主要从以下几个方面发力：', '（编辑：'), '12': ('现印发如下：', '联系电话：'),
    '13': ('告知如下：', '十一、咨询电话'), '14': ('通知如下：', '联系电话：'),
    '15': ('认真抓好落实。', '联系电话：'), '16': ('主要做了以下工作：', '来源：鄪湨县人民政府办公室'),
}
TOPIC_SLUGS = ['kiwi', 'embroidery', 'village-chronicle', 'ancient-books', 'lotus-root',
               'rural-talent']
# topic words of this set (Simplified, Traditional): must occur in no other set and no seed
TOPIC_WORDS = [
    ('猕猴桃', '獼猴桃'), ('果农', '果農'), ('挂果', '掛果'), ('鲜果', '鮮果'), ('授粉', '授粉'),
    ('溃疡病', '潰瘍病'), ('膨大剂', '膨大劑'), ('可溶性固形物', '可溶性固形物'), ('采收', '採收'),
    ('开园', '開園'), ('开秤', '開秤'), ('低效园', '低效園'), ('改接换种', '改接換種'),
    ('雄花粉', '雄花粉'), ('砧木', '砧木'), ('疏果', '疏果'), ('套袋', '套袋'),
    ('绣', '繡'), ('刺绣', '刺繡'), ('绣娘', '繡娘'), ('绣坊', '繡坊'), ('绣品', '繡品'),
    ('针法', '針法'), ('丝线', '絲線'), ('图样', '圖樣'),
    ('村志', '村志'), ('地方志', '地方誌'), ('编纂', '編纂'), ('方志', '方誌'), ('主笔', '主筆'),
    ('终审', '終審'), ('三审', '三審'), ('续志', '續志'), ('族谱', '族譜'), ('老契约', '老契約'),
    ('老地契', '老地契'),
    ('古籍', '古籍'), ('善本', '善本'), ('线装', '線裝'), ('函套', '函套'), ('书库', '書庫'),
    ('樟木', '樟木'), ('契约文书', '契約文書'), ('收藏人', '收藏人'),
    ('莲藕', '蓮藕'), ('藕', '藕'), ('莲子', '蓮子'), ('藕田', '藕田'), ('种藕', '種藕'),
    ('采藕', '採藕'), ('藕虾', '藕蝦'), ('藕粉', '藕粉'), ('鲜藕', '鮮藕'),
    ('乡土人才', '鄉土人才'), ('土专家', '土專家'), ('田秀才', '田秀才'), ('一技之长', '一技之長'),
    ('农村实用人才', '農村實用人才'), ('家庭工场', '家庭工場'), ('传统技艺', '傳統技藝'),
]
# generic words of this set that other sets use in passing (reported, not failed)
PASSING = [('冷藏', '冷藏'), ('气调', '氣調'), ('换种', '換種'), ('虫蛀', '蟲蛀'), ('霉变', '黴變'),
           ('寄存', '寄存'), ('修复', '修復'), ('普查', '普查'), ('寄递', '寄遞'), ('技艺', '技藝'),
           ('田埂', '田埂'), ('创业担保贷款', '創業擔保貸款'), ('职业技能', '職業技能'),
           ('技能培训', '技能培訓'), ('培训补贴', '培訓補貼'), ('职称', '職稱'),
           ('高素质农民', '高素質農民'), ('政策性保险', '政策性保險'), ('档案', '檔案'),
           ('图书馆', '圖書館'), ('批发市场', '批發市場'), ('展销', '展銷'), ('托管', '託管'),
           ('化肥', '化肥'), ('卫生厕所', '衛生廁所'), ('美丽乡村', '美麗鄉村'), ('森林覆盖率', '森林覆蓋率')]
# words that other sets are about, or that collide with them, and that this set therefore
# does not use (either script).  Other sets' check scripts are also read at run time (below)
# and their topic words and place characters must not occur here either.
AVOID = ('窨井 污水井 化粪池 沼气 呼吸器 窖池 污水 鱼塘 渔业 渔政 湿地 遥感 无人机 人防工程 网格员 '
         '物业 路灯 防火 发酵 集资 危房 一网通办 水产科 犬 养犬 狂犬 电动自行车 充电桩 光伏 '
         '农膜 高空 坠物 摄像头 流感 疫苗 接种 反诈 诈骗 禁毒 毒品 人工影响天气 水土保持 '
         '地质灾害 交通事故 森林防火 留守 扬尘 创新券 入侵物种 除雪 水库 移民 精神障碍 出入境 '
         '养蜂 溺水 尘肺 古树 食堂 内涝 噪声 秸秆 白蚁 井盖 烟花 近视 高温 民宿 托育 校车 '
         '二次供水 老旧小区 维修资金 生活污水 农机 殡葬 野生动物 快递 茶 未成年人 '
         '河长 巡河 踏勘 烘干 取水 机井 灌溉 送戏 采砂 适龄 高标准农田 大棚 防雷 电梯 计量 '
         '撂荒 卫星定位 挖沙 取土 入学资格 义务监督员 病虫害 广告 招牌 献血 门牌 彩礼 '
         '果园 嫁接 采摘 食用菌 香菇 非遗 非物质文化遗产 传承人 带徒 手工 竹编 购机 史志 村史 '
         '农家书屋 老物件 乡贤 书店 电影 放映 救生衣 船 宴席 聚餐 蜜蜂 冷库 家庭农场 见义勇为').split()
SIMP_ONLY = set('这们个来时会对说为国过发后动问关门见无应进长边书东车买卖马鸟鱼报经济')
TRAD_FORBID = ['“', '”', '‘', '’', '發佈', '覆印件', '乾活', '銷燬', '併發放', '復查', '併網']
OTHER_CHECKS = ['round18', 'round19', 'round20']

try:
    import opencc
    S2T = opencc.OpenCC('s2tw').convert
    T2S = opencc.OpenCC('t2s').convert
except Exception:  # optional
    S2T = T2S = None


def both(word, trad=None):
    out = {word}
    if trad:
        out.add(trad)
    if S2T:
        out.add(S2T(word))
    return out


# ---------------------------------------------------------------- load this set
docs = {}
for p in sorted(glob.glob(os.path.join(HERE, 'docs', '*.txt'))):
    name = os.path.basename(p)
    docs[name[:2]] = (name, open(p, encoding='utf-8').read())
if sorted(docs) != ['%02d' % i for i in range(1, 17)]:
    fail('expected 16 documents 01-16, found %d' % len(docs))
if not os.path.exists(os.path.join(HERE, 'README.md')):
    fail('README.md missing')
rows = [json.loads(l) for l in open(os.path.join(HERE, 'questions.jsonl'), encoding='utf-8') if l.strip()]

# ---------------------------------------------------------------- documents
FOOT_RE = {k: re.compile('^' + re.escape(f).replace(r'\{\}', r'(\d+)') + '$') for k, (w, f) in PDF.items()}
CLOSE = set('，。；：、）》”」！？,.;:)%—')
OPEN = set('（《“「(')


def hw(s):
    return sum(0.5 if ord(c) < 0x2E80 and c not in '—“”‘’' else 1.0 for c in s)


def flat(k, t):
    if LAYOUT[k] == 'pdf':
        return ''.join(l for l in t.split('\n') if not FOOT_RE[k].match(l))
    return t.replace('\n', '')


for k, (name, t) in docs.items():
    n = len(t)
    if not 1000 <= n <= 1200:
        fail('%s length %d' % (name, n))
    lay = LAYOUT[k]
    if lay in ('space', 'run'):
        if '\n' in t:
            fail('%s: newline in a one-line document' % name)
        if lay == 'run' and ' ' in t:
            fail('%s: space in a run-together document' % name)
        if lay == 'space' and t.count(' ') < 8:
            fail('%s: too few separators' % name)
        has_furn = '浏览次数' in t and '打印本页' in t and '字体' in t
        if has_furn != (k in FURNITURE):
            fail('%s: page furniture %s' % (name, has_furn))
    elif lay == 'para':
        lines = t.rstrip('\n').split('\n')
        for i, l in enumerate(lines[2:], 3):  # after title and source line
            if l[-1] not in '。：！？；）' and not re.search(r'[）\d]$', l):
                fail('%s line %d looks hard-wrapped' % (name, i))
    elif lay == 'pdf':
        width, foot = PDF[k]
        lines = t.rstrip('\n').split('\n')
        text_n, page = 0, 1
        for i, l in enumerate(lines):
            m = FOOT_RE[k].match(l)
            if m:
                if int(m.group(1)) != page:
                    fail('%s footer %d misnumbered' % (name, page))
                if text_n != 22 and i != len(lines) - 1:
                    fail('%s page %d has %d lines' % (name, page, text_n))
                page += 1
                text_n = 0
                continue
            text_n += 1
            if hw(l) > width + 1.5:
                fail('%s line %d too wide' % (name, i + 1))
            if i and l[0] in CLOSE:
                fail('%s line %d starts with closing punctuation' % (name, i + 1))
            if l[-1] in OPEN:
                fail('%s line %d ends with opening punctuation' % (name, i + 1))
            if i + 1 < len(lines) and not FOOT_RE[k].match(lines[i + 1]) and \
                    re.search(r'[\d.]$', l) and re.match(r'[\d:.%]', lines[i + 1]):
                fail('%s line %d splits a number' % (name, i + 1))
        if text_n:
            fail('%s: final footer missing' % name)
        if page < 3:
            fail('%s: fewer than two pages' % name)
    trad = k in TRAD_DOCS
    if trad:
        for f in TRAD_FORBID:
            if f in t:
                fail('%s contains %s' % (name, f))
        if set(t) & SIMP_ONLY:
            fail('%s: Simplified characters in a Traditional document' % name)
        if S2T:
            again = S2T(t)
            for a, b in (('“', '「'), ('”', '」'), ('‘', '『'), ('’', '』'), ('發佈', '發布')):
                again = again.replace(a, b)
            if again != t:
                fail('%s changes under s2tw' % name)
    else:
        if T2S and T2S(t) != t:
            fail('%s changes under t2s' % name)
    for w in AVOID:
        for f in both(w):
            if f in t:
                fail('%s contains avoided word %s' % (name, w))
    st, en = BODY[k]
    ft = flat(k, t)
    if ft.count(st) != 1 or en not in ft or ft.index(st) > ft.rindex(en):
        fail('%s: body markers not found' % name)
    if k in UNNUMBERED:
        body = ft[ft.index(st):ft.rindex(en)]
        if re.search(r'[一二三四五六七八九十]、|（[一二三四五六七八九十]）|\d+\.\D|第[一二三四五六七八九十]+条', body):
            fail('%s: numbering in an unnumbered document' % name)

# ---------------------------------------------------------------- questions
FIELDS = ['id', 'doc', 'question', 'kind', 'gold', 'split', 'script']
ids = [r.get('id') for r in rows]
if len(rows) != 48:
    fail('expected 48 questions, found %d' % len(rows))
if len(set(ids)) != len(ids):
    fail('duplicate ids')
kinds = collections.Counter(r['kind'] for r in rows)
per_doc = collections.Counter(r['doc'] for r in rows)
byq = collections.Counter()
for r in rows:
    if list(r) != FIELDS:
        fail('%s: fields %s' % (r.get('id'), list(r)))
    m = re.fullmatch(r'j(\d\d)-q([123])', r['id'])
    if not m:
        fail('%s: bad id' % r['id'])
        continue
    k, qn = m.group(1), m.group(2)
    name, t = docs[k]
    if r['doc'] != name:
        fail('%s: doc %s' % (r['id'], r['doc']))
    if r['split'] != 'held-out':
        fail('%s: split' % r['id'])
    want_script = 'traditional' if k in TRAD_DOCS else 'simplified'
    if r['script'] != want_script:
        fail('%s: script' % r['id'])
    q = r['question']
    if k in TRAD_DOCS and (set(q) & SIMP_ONLY or any(f in q for f in TRAD_FORBID)):
        fail('%s: question not in Traditional script' % r['id'])
    if k not in TRAD_DOCS and T2S and T2S(q) != q:
        fail('%s: question not in Simplified script' % r['id'])
    for w in AVOID:
        for f in both(w):
            if f in q:
                fail('%s: question contains avoided word %s' % (r['id'], w))
    want_kind = 'factoid' if qn == '3' else ('list' if r['id'] in LISTS else 'description')
    if r['kind'] != want_kind:
        fail('%s: kind %s' % (r['id'], r['kind']))
    byq['q' + qn] += 1
    place = [(s, tr) for s, (tr, py, ds) in PLACES.items() if k in ds][0]
    form = place[1] if k in TRAD_DOCS else place[0]
    if form[:2] not in q:
        fail('%s: question does not name its place' % r['id'])
    g = r['gold']
    if not isinstance(g, list) or not g:
        fail('%s: empty gold' % r['id'])
        continue
    if r['kind'] == 'list' and not 4 <= len(g) <= 6:
        fail('%s: list of %d' % (r['id'], len(g)))
    if r['kind'] == 'description' and not 2 <= len(g) <= (12 if LAYOUT[k] == 'pdf' else 6):
        fail('%s: description of %d pieces' % (r['id'], len(g)))
    ft = flat(k, t)
    st, en = BODY[k]
    bstart, bend = ft.index(st) + len(st), ft.rindex(en)
    lines = t.split('\n')
    last = -1
    for piece in g:
        if len(piece) < 6:
            fail('%s: short piece' % r['id'])
        if t.count(piece) != 1:
            fail('%s: piece occurs %d times' % (r['id'], t.count(piece)))
            continue
        pos = t.index(piece)
        if pos < last:
            fail('%s: pieces out of order' % r['id'])
        last = pos
        if '\n' in piece:
            fail('%s: piece spans lines' % r['id'])
        fpos = ft.index(piece) if ft.count(piece) == 1 else -1
        if not (bstart <= fpos and fpos + len(piece) <= bend):
            fail('%s: piece in framing (title/number/addressee/preamble/date/contact)' % r['id'])
        if LAYOUT[k] == 'pdf':
            line = lines[t[:pos].count('\n')]
            if not (line.startswith(piece) or line.endswith(piece)):
                fail('%s: PDF piece is mid-line' % r['id'])
    if r['kind'] == 'factoid' and LAYOUT[k] != 'pdf' and len(g) != 1:
        fail('%s: factoid of %d pieces' % (r['id'], len(g)))

if any(v != 3 for v in per_doc.values()) or len(per_doc) != 16:
    fail('not three questions per document')
if dict(kinds) != {'description': 28, 'list': 4, 'factoid': 16}:
    fail('kind counts %s' % dict(kinds))
if not COLLOQUIAL <= set(ids):
    fail('colloquial question ids missing')

# each place names exactly its two documents (full name or first two characters, both scripts)
for s, (tr, py, ds) in PLACES.items():
    hits = sorted(k for k, (n, t) in docs.items() if s[:2] in t or tr[:2] in t)
    if hits != ds:
        fail('place %s in documents %s' % (s, hits))
    for k in ds:
        if py not in docs[k][0]:
            fail('file name of %s lacks %s' % (k, py))

# ---------------------------------------------------------------- collisions with other sets
others = []
for root in [NOTICES, SEEDS]:
    for dp, dn, fn in os.walk(root):
        if os.path.abspath(dp).startswith(HERE):
            continue
        for f in fn:
            others.append(os.path.join(dp, f))
other_text = {}
for p in others:
    try:
        other_text[p] = open(p, encoding='utf-8').read()
    except Exception:
        pass
rel = lambda p: os.path.relpath(p, os.path.dirname(NOTICES)) if p.startswith(NOTICES) else os.path.basename(p)

for c in sorted(PLACE_CHARS):
    hits = [rel(p) for p, x in other_text.items() if any(f in x for f in both(c))]
    if hits:
        fail('place character %s in %d other files: %s' % (c, len(hits), ', '.join(hits)))
print('place characters: %d checked (both scripts) against %d other files' % (len(PLACE_CHARS), len(other_text)))

other_names = [os.path.basename(p) for p in others]
other_stems = {n.rsplit('.', 1)[0] for n in other_names}
for k, (name, t) in docs.items():
    if name in other_names or name[:-4] in other_stems:
        fail('file name %s used elsewhere' % name)
for s, (tr, py, ds) in PLACES.items():
    if any(re.search(r'(^|[-_])' + py + r'([-_.]|$)', n) for n in other_names):
        fail('pinyin place part %s used in another file name' % py)
for slug in TOPIC_SLUGS:
    if any(slug in n for n in other_names):
        fail('topic slug %s in another file name' % slug)

for s, tr in TOPIC_WORDS:
    hits = [rel(p) for p, x in other_text.items() if any(f in x for f in both(s, tr))]
    if hits:
        fail('topic word %s in %d other files: %s' % (s, len(hits), ', '.join(sorted(hits))))
print('topic words: %d checked (both scripts), 0 other files each' % len(TOPIC_WORDS))
for s, tr in PASSING:
    hits = [rel(p) for p, x in other_text.items() if any(f in x for f in both(s, tr))]
    print('passing word %s: %d other files' % (s, len(hits)))

# other sets' own check scripts: their topic words and place characters must not occur here
mine = {os.path.join('docs', n): t for n, t in docs.values()}
for f in ('questions.jsonl', 'README.md'):
    mine[f] = open(os.path.join(HERE, f), encoding='utf-8').read()
mine['check.py'] = open(os.path.abspath(__file__), encoding='utf-8').read()
for p, x in other_text.items():
    if not p.endswith('check.py'):
        continue
    words, chars = set(), set()
    for var in ('TOPIC_WORDS', 'PLACE_CHARS'):
        m = re.search(r'^%s = (.*?\n)(?=[A-Za-z_#])' % var, x, re.S | re.M)
        if not m:
            continue
        try:
            val = eval(m.group(1), {'__builtins__': {}}, {'set': set})
        except Exception:
            continue
        if var == 'PLACE_CHARS':
            chars |= set(val)
        else:
            for item in val:
                words |= set(item) if isinstance(item, tuple) else {item}
    n = 0
    for f, y in mine.items():
        for w in words | chars:
            if w in y:
                fail('%s (a word or place character of %s) occurs in %s' % (
                    ''.join('\\u%04x' % ord(c) for c in w), rel(p), f))
                n += 1
    print('%s: %d topic words, %d place characters, %d found here' % (rel(p), len(words), len(chars), n))

# prefix j in other sets' questions
for p, x in other_text.items():
    if p.endswith('.jsonl') and re.search(r'"id":\s*"j', x):
        fail('prefix j used in %s' % rel(p))
print('prefix j: not used in any other questions file')

# ---------------------------------------------------------------- other sets' checks still pass
for d in OTHER_CHECKS:
    script = os.path.join(NOTICES, d, 'check.py')
    if not os.path.exists(script):
        fail('%s/check.py missing' % d)
        continue
    res = subprocess.run([sys.executable, script], capture_output=True, text=True)
    if res.returncode != 0:
        fail('%s/check.py exits %d with this set beside it' % (d, res.returncode))
    print('%s/check.py: exit %d' % (d, res.returncode))

# ---------------------------------------------------------------- summary
print('documents: %d; questions: %d; kinds: %s; by position: %s' % (
    len(docs), len(rows), dict(sorted(kinds.items())), dict(sorted(byq.items()))))
print('layouts: %s' % dict(collections.Counter(LAYOUT.values())))
print('scripts: %s' % dict(collections.Counter(r['script'] for r in rows)))
if FAIL:
    print('%d failures' % len(FAIL))
    sys.exit(1)
print('all checks passed')
