#!/usr/bin/env python3
"""Self-check for the round-18 notices set (prefix b).

Run from anywhere:  python3 data/notices/round18/check.py
It prints counts and file names only (never another set's text) and exits non-zero on any
failure.  OpenCC (opencc-python-reimplemented) is optional: when importable, the script also
checks that the Traditional documents are unchanged by a further s2tw pass and the Simplified
ones by t2s.
"""
import json, os, re, sys, glob, collections

HERE = os.path.dirname(os.path.abspath(__file__))
NOTICES = os.path.dirname(HERE)
SEEDS = '/work/shared/corpus/seeds'
FAIL = []


def fail(msg):
    FAIL.append(msg)
    print('FAIL:', msg)


# ---------------------------------------------------------------- set description
PLACES = {  # simplified, traditional, pinyin, documents
    '邛滦市': ('邛灤市', 'qiongluan', ['01', '09']),
    '郧汶县': ('鄖汶縣', 'yunwen', ['02', '10']),
    '邠滹区': ('邠滹區', 'binhu', ['03', '11']),
    '郿涞市': ('郿淶市', 'meilai', ['04', '12']),
    '邴潢县': ('邴潢縣', 'binghuang', ['05', '13']),
    '鄚泸市': ('鄚瀘市', 'maolu', ['06', '14']),
    '邽湔区': ('邽湔區', 'guijian', ['07', '15']),
    '郄潍县': ('郄濰縣', 'qiewei', ['08', '16']),
}
PLACE_CHARS = set('邛滦灤郧鄖汶邠滹郿涞淶邴潢鄚泸瀘邽湔郄潍濰')
TRAD_DOCS = {'02', '06', '11', '14'}
LAYOUT = {  # space / run / para / pdf
    '01': 'space', '02': 'space', '06': 'space', '08': 'space', '09': 'space', '11': 'space',
    '14': 'space', '16': 'space', '03': 'run', '10': 'run', '13': 'run',
    '05': 'para', '12': 'para', '15': 'para', '04': 'pdf', '07': 'pdf'}
PDF = {'04': (35, '- {} -'), '07': (36, '第{}页')}
LISTS = {'b02-q1', 'b06-q1', 'b11-q1', 'b15-q1'}
TOPIC_SLUGS = ['dead-livestock', 'mosquito-control', 'family-education', 'tuberculosis',
               'school-bullying', 'pipeline-protection', 'tobacco-licence']
# topic words of this set, Simplified and Traditional: must occur in no other set / seed
TOPIC_WORDS = [
    ('病死', '病死'), ('生猪', '生豬'), ('化制', '化制'), ('耳标', '耳標'), ('冷柜', '冷櫃'),
    ('防疫员', '防疫員'), ('登革热', '登革熱'), ('蚊媒', '蚊媒'), ('孳生', '孳生'),
    ('布雷图', '布雷圖'), ('伊蚊', '伊蚊'), ('病媒', '病媒'), ('灭蚊', '滅蚊'), ('驱蚊', '驅蚊'),
    ('纱门', '紗門'), ('食蚊鱼', '食蚊魚'), ('爱卫', '愛衛'), ('网络直报', '網絡直報'),
    ('家庭教育', '家庭教育'), ('讲师团', '講師團'), ('爱心妈妈', '愛心媽媽'),
    ('肺结核', '肺結核'), ('结核', '結核'), ('痰', '痰'), ('胸片', '胸片'), ('耐药', '耐藥'),
    ('晨午检', '晨午檢'), ('欺凌', '欺凌'), ('霸凌', '霸凌'), ('地下管线', '地下管線'),
    ('先查后挖', '先查後挖'), ('光缆', '光纜'), ('烟草', '菸草'), ('烟草', '煙草'),
    ('卷烟', '捲菸'), ('卷烟', '卷煙'), ('专卖', '專賣'),
]
# words of this set that other sets use in passing (reported, not failed)
PASSING = [('无害化', '無害化'), ('畜禽', '畜禽'), ('蚊', '蚊'), ('积水', '積水'),
           ('管线', '管線'), ('定点医院', '定點醫院'), ('零售许可', '零售許可'), ('家访', '家訪'),
           ('燃气管道', '燃氣管道'), ('暂存', '暫存'), ('铸铁', '鑄鐵'), ('普查', '普查')]
# words other sets are about (or earlier rounds avoided): must not occur in this set
AVOID = ('农膜 地膜 残膜 回收网点 过磅 高空 坠物 仰拍 摄像头 防护棚 流感 疫苗 接种 留观 反诈 涉诈 '
         '两卡 断卡 刷单 96110 止付 警银 禁毒 戒毒 吸毒 毒品 美沙酮 尿液 复吸 人工影响天气 增雨 '
         '防雹 高炮 火箭弹 炮弹 残骸 弹药 作业点 空域 水土保持 水土流失 挖填 征占地 诈骗 涉毒 '
         '土石方 空鼓 冷藏 冷冻 冷链 地质灾害 交通事故 隐患点 群测群防 计划生育 特别扶助 森林防火 '
         '留守 事实无人抚养 扬尘 辅助器具 防雷 创新券 入侵物种 除雪 积雪 水库 移民 精神障碍 '
         '监护补贴 精防 托养 菌 出入境 港澳 护照 通行证 签注 库区 宴席 精神残疾 养蜂 旧衣物 '
         '回收箱 溺水 农险 尘肺 非遗 犯罪记录 家庭医生 古树 加装电梯 大型活动 渔船 旧厂房 午休 '
         '校服 装修垃圾 自建房 口袋公园 生活污水 法律援助 灵活就业 农机 公租房 殡葬 丧葬 预付 '
         '课后服务 食堂 非机动车 内涝 噪声 秸秆 白蚁 井盖 烟花 近视 高温 民宿 充电桩 露营 '
         '二手车 献血 光伏 店招 油烟 托育 校车 二次供水 孤独症 长期护理 彩礼 普通话 野生动物 '
         '小作坊 公厕 门牌 河长 共享单车 快递 茶 老旧小区 维修资金 家长学校 家长课堂 农贸市场 '
         '心理健康 未成年人 流浪 乞讨 采砂 掩埋 零售点 地理标志').split()
SIMP_ONLY = set('这们个来时会对说为国过发后动问关门见无应进长边书东车买卖马鸟鱼报经济')
TRAD_FORBID = ['“', '”', '‘', '’', '發佈', '覆印件', '乾活', '銷燬', '併發放', '復查', '佈雷圖']

try:
    import opencc
    S2T = opencc.OpenCC('s2tw').convert
    T2S = opencc.OpenCC('t2s').convert
except Exception:  # optional
    S2T = T2S = None


def both(word):
    out = {word}
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
CLOSE = set('，。；：、）》”」！？,.;:)%')
OPEN = set('（《“「(')


def hw(s):
    return sum(0.5 if ord(c) < 0x2E80 and c not in '—“”‘’' else 1.0 for c in s)


for k, (name, t) in docs.items():
    n = len(t)
    if not 1100 <= n <= 1300:
        fail('%s length %d' % (name, n))
    lay = LAYOUT[k]
    if lay in ('space', 'run'):
        if '\n' in t:
            fail('%s: newline in a one-line document' % name)
        if lay == 'run' and ' ' in t:
            fail('%s: space in a run-together document' % name)
        if lay == 'space' and t.count(' ') < 8:
            fail('%s: too few separators' % name)
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
                    re.search(r'[\d]$', l) and re.match(r'[\d]', lines[i + 1]):
                fail('%s line %d splits a digit run' % (name, i + 1))
        if text_n:
            fail('%s: final footer missing' % name)
    trad = k in TRAD_DOCS
    if trad:
        for f in TRAD_FORBID:
            if f in t:
                fail('%s contains %s' % (name, f))
        if set(t) & SIMP_ONLY:
            fail('%s: Simplified characters in a Traditional document' % name)
        if S2T:
            again = S2T(t)
            for a, b in (('“', '「'), ('”', '」'), ('‘', '『'), ('’', '』'), ('發佈', '發布'),
                         ('佈雷圖', '布雷圖'), ('復查', '複查')):
                again = again.replace(a, b)
            if again != t:
                fail('%s changes under s2tw' % name)
    else:
        if T2S and T2S(t) != t:
            fail('%s changes under t2s' % name)
    # avoided words, both scripts
    for w in AVOID:
        for f in both(w):
            if f in t:
                fail('%s contains avoided word %s' % (name, w))

# ---------------------------------------------------------------- framing spans


def body_span(k, t):
    flat = t.replace('\n', '')
    m = re.search(r'如下(措施)?：|並?回答記者提問。|并回答记者提问。|請予審議：|请予审议：', flat)
    start = m.end() if m else 0
    ends = [flat.rfind(x) for x in ('联系电话', '聯繫電話', '咨询电话：', '諮詢電話：', '联系人：',
                                    '主持人：今天', '来源：郄潍县人民政府办公室')]
    ends = [e for e in ends if e > start]
    return flat, start, (min(ends) if ends else len(flat))


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
    m = re.fullmatch(r'b(\d\d)-q([123])', r['id'])
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
    want_kind = 'factoid' if qn == '3' else ('list' if r['id'] in LISTS else 'description')
    if r['kind'] != want_kind:
        fail('%s: kind %s' % (r['id'], r['kind']))
    byq['q' + qn] += 1
    # place named
    place = [(s, tr) for s, (tr, py, ds) in PLACES.items() if k in ds][0]
    form = place[1] if k in TRAD_DOCS else place[0]
    if form[:2] not in q:
        fail('%s: question does not name its place' % r['id'])
    # golds
    g = r['gold']
    if not isinstance(g, list) or not g:
        fail('%s: empty gold' % r['id'])
        continue
    if r['kind'] == 'list' and not 4 <= len(g) <= 6:
        fail('%s: list of %d' % (r['id'], len(g)))
    if r['kind'] == 'description' and len(g) < 2:
        fail('%s: description of one piece' % r['id'])
    flat, bstart, bend = body_span(k, t)
    lines = t.split('\n')
    last = -1
    last_line = None
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
        fpos = flat.index(piece) if flat.count(piece) == 1 else -1
        if not (bstart <= fpos and fpos + len(piece) <= bend):
            fail('%s: piece in framing (title/number/addressee/preamble/date/contact)' % r['id'])
        if LAYOUT[k] == 'pdf':
            li = t[:pos].count('\n')
            line = lines[li]
            if not (line.startswith(piece) or line.endswith(piece)):
                fail('%s: PDF piece is mid-line' % r['id'])
    if r['kind'] == 'factoid' and LAYOUT[k] != 'pdf' and len(g) != 1:
        fail('%s: factoid of %d pieces' % (r['id'], len(g)))

if any(v != 3 for v in per_doc.values()) or len(per_doc) != 16:
    fail('not three questions per document')
if dict(kinds) != {'description': 28, 'list': 4, 'factoid': 16}:
    fail('kind counts %s' % dict(kinds))

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
rel = lambda p: os.path.relpath(p, os.path.dirname(NOTICES)) if p.startswith(NOTICES) else p

for c in sorted(PLACE_CHARS):
    hits = [rel(p) for p, x in other_text.items() if c in x]
    if hits:
        fail('place character %s in %d other files: %s' % (c, len(hits), ', '.join(hits)))
print('place characters: %d checked (both scripts) against %d other files' % (len(PLACE_CHARS), len(other_text)))

other_names = [os.path.basename(p) for p in others]
other_stems = {n.rsplit('.', 1)[0] for n in other_names}
for k, (name, t) in docs.items():
    stem = name[:-4]
    if name in other_names or stem in other_stems:
        fail('file name %s used elsewhere' % name)
for s, (tr, py, ds) in PLACES.items():
    if any(re.search(r'(^|[-_])' + py + r'([-_.]|$)', n) for n in other_names):
        fail('pinyin place part %s used in another file name' % py)
for slug in TOPIC_SLUGS:
    if any(slug in n for n in other_names):
        fail('topic slug %s in another file name' % slug)

tw_hits = 0
for s, tr in TOPIC_WORDS:
    forms = {s, tr} | both(s)
    hits = [rel(p) for p, x in other_text.items() if any(f in x for f in forms)]
    if hits:
        fail('topic word %s in %d other files: %s' % (s, len(hits), ', '.join(sorted(hits))))
print('topic words: %d checked (both scripts)' % len(TOPIC_WORDS))
for s, tr in PASSING:
    forms = {s, tr} | both(s)
    hits = [rel(p) for p, x in other_text.items() if any(f in x for f in forms)]
    print('passing word %s: %d other files' % (s, len(hits)))

# prefix b in other sets' questions
for p, x in other_text.items():
    if p.endswith('.jsonl') and re.search(r'"id":\s*"b', x):
        fail('prefix b used in %s' % rel(p))

# ---------------------------------------------------------------- summary
print('documents: %d; questions: %d; kinds: %s; by position: %s' % (
    len(docs), len(rows), dict(sorted(kinds.items())), dict(sorted(byq.items()))))
print('layouts: %s' % dict(collections.Counter(LAYOUT.values())))
print('scripts: %s' % dict(collections.Counter(r['script'] for r in rows)))
if FAIL:
    print('%d failures' % len(FAIL))
    sys.exit(1)
print('all checks passed')
