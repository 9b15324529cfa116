"""Word lists and character tables for bench/gen_dupes.py.

Written by hand for kehu's benchmark: common Chinese and English names,
company words, places, and small tables of same-sound, look-alike and
traditional characters. Frequencies are rough tiers, enough to make common
names repeat the way they do in a real customer list; administrative
division codes and area codes are plausible, not an authoritative registry.
"""

# Surnames in frequency tiers: (weight per surname, surnames).
ZH_SURNAME_TIERS = [
    (50, "王李张刘陈"),
    (15, "杨黄赵吴周"),
    (11, "徐孙马朱胡郭何高林罗"),
    (4.5, "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"),
    (2, "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"),
]
ZH_COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]

# One-character given names; the first group is far more common.
ZH_GIVEN_ONE_COMMON = "伟敏静丽强磊军洋勇艳杰娟涛明超霞平刚芳娜"
ZH_GIVEN_ONE_OTHER = "鹏斌宇浩凯健俊帆帅旭宁龙林欣佳怡雪琳晨婷倩颖慧莉燕萍红梅飞鑫波辉亮峰玲华兰英"
# Whole two-character given names that are common on their own.
ZH_GIVEN_TWO_COMMON = (
    "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉梅 海燕 建华 建国 建军 志强 志明 海涛 晓东 晓明 俊杰 子涵 梓萱 "
    "浩然 宇轩 思远 欣怡 雨桐 一诺 佳怡 梓涵 诗涵 子轩 浩宇 明轩 婷婷 丹丹 晶晶 亚楠 文静 丽娟 红梅 春梅 "
    "建平 国强 小红 小明 文博 家豪 宇航 思雨 雨欣 秋菊"
).split()
# Two-character given names composed from a first and a second character.
ZH_GIVEN_FIRST = "晓建志海春秋文国立永振宏俊子梓浩宇思欣佳雨嘉一诗雅明天世家新少小玉秀美丽金德泽博"
ZH_GIVEN_SECOND = "东明华军伟平刚强峰辉杰涛斌龙鹏飞宇轩然涵萱怡琪婷娜丽静敏霞燕芳红梅兰英玲洁雪彤瑶晨阳凯磊洋勇超亮成"

# Toneless pinyin of every character the generator builds names and company
# names from (the reading used in names for the few polyphonic ones).
PINYIN_GROUPS = """
wang 王汪 li 李黎丽莉立力 zhang 张章 liu 刘柳 chen 陈晨辰 yang 杨阳洋扬 huang 黄 zhao 赵 wu 吴武
zhou 周 xu 徐许旭 sun 孙 ma 马 zhu 朱诸 hu 胡 guo 郭国 he 何贺禾和合 gao 高 lin 林琳 luo 罗 zheng 郑正
liang 梁亮 xie 谢 song 宋 tang 唐汤 han 韩涵 hang 航 feng 冯丰凤峰 deng 邓 cao 曹 peng 彭鹏 zeng 曾 xiao 肖晓小
tian 田天 dong 董东 yuan 袁远源 pan 潘 yu 于余宇雨玉 jiang 蒋姜江 cai 蔡 du 杜 ye 叶 cheng 程成诚
su 苏 wei 魏韦伟维 lv 吕 ding 丁鼎 ren 任 shen 沈 yao 姚瑶 lu 卢陆 cui 崔 zhong 钟中众 tan 谭 fan 范帆
jin 金 shi 石史世诗 liao 廖 jia 贾佳嘉家 xia 夏霞 fu 付 fang 方芳 bai 白 zou 邹 meng 孟 xiong 熊 qin 秦覃
qiu 邱秋 yin 尹 xue 薛雪 yan 闫严艳燕 duan 段 lei 雷磊 hou 侯 long 龙隆 tao 陶涛 gu 顾 mao 毛 hao 郝浩豪
gong 龚 shao 邵少 wan 万 qian 钱倩 dai 戴 mo 莫 kong 孔 xiang 向祥 ou 欧 si 司思 shang 上 guan 官 guang 光广
ge 葛 min 敏 jing 静晶 qiang 强 jun 军俊 yong 勇永 jie 杰洁捷 juan 娟 ming 明铭 chao 超 ping 平萍
gang 刚 bin 斌 kai 凯 jian 建健 shuai 帅 ning 宁 xin 欣鑫新信 yi 怡一易益 ting 婷 ying 颖英 hui 慧辉汇
hong 红宏 mei 梅美 fei 飞 bo 波博 ling 玲 lan 兰蓝 zhen 珍振 hua 华 xiu 秀 gui 桂 na 娜 hai 海 zhi 志智
zi 子梓 xuan 萱轩 ran 然 tong 桐彤通 nuo 诺 dan 丹 ya 亚雅 nan 楠 wen 文 chun 春 xi 熙 tian 天 de 德
ze 泽 qi 琪启 heng 恒 rui 瑞锐睿 sheng 盛晟 zhuo 卓 yue 越 ke 科 run 润 da 达 qiao 桥 an 安 tai 泰
kang 康 chuang 创 lian 联 xing 兴星 teng 腾 chang 昌 shun 顺 ju 聚 tuo 拓 you 优 yun 云 ju 菊
"""

# Same-sound characters a pinyin input method offers for a name character
# (tones may differ): a slip of the keyboard or a spelling heard on the phone.
HOMOPHONE_GROUPS = (
    "张章 陈谌晨 王汪 李黎理 刘柳留 杨阳扬 黄皇 赵照肇 吴伍武 周舟州 徐许 马麻玛 朱诸祝 胡湖 郭国 "
    "何和贺 高郜 林琳霖 罗骆洛 郑正 梁良 谢解 唐汤堂 韩寒 冯封丰 曾增 肖萧 田甜 董东冬 袁元源 潘攀 "
    "于余俞 蒋江姜 蔡菜 叶业 程成承 苏素 魏卫韦 沈申 卢鲁路陆 钟仲中 范樊凡 石史施 付傅符 方房芳 "
    "白柏 秦琴勤 邱丘秋 戴代 龚宫 姚瑶遥 孟梦 雷蕾 侯候 毛茂 贾甲 夏霞 邓登 "
    "伟玮炜 娜那 秀绣 英瑛鹰 敏闵 静婧靖 丽莉俐 强蔷 磊垒 军君均 洋阳 勇永 艳燕雁 杰捷洁 娟鹃涓 "
    "涛韬滔 明铭鸣 超潮 兰岚蓝 霞侠 平萍苹 刚钢 华桦 玉钰 鹏朋 建健剑 红虹鸿 梅玫 飞菲非 鑫欣馨新 "
    "波博 斌彬滨 宇羽雨 浩昊皓 凯恺 俊峻骏 帆凡 旭煦 宁凝 龙隆 佳嘉家 怡宜仪 晨辰 子梓紫 涵晗含 "
    "萱轩宣 思斯 远源元 婷亭庭 志智 桂贵 慧惠 颖影 玲铃灵 峰锋丰 辉晖 珍真 晓筱 文雯 雅亚 彤桐 "
    "瑶遥 成诚 琪琦淇 倩茜 芳方 洁杰 东冬 雪薛 欣馨 "
    # company trade-name characters
    "信新 恒衡 通同 瑞睿锐 天添 鼎顶 盛胜 宏鸿 卓桌 越悦 润闰 达答 金今 桥乔 汇惠 德得 安岸 泰太 "
    "康抗 创窗 联连 兴星 启起 航杭 光广 云芸 和禾合 万湾 立利力 腾藤 益亿 众重 祥翔 隆龙 昌常 "
    "顺舜 聚巨 拓托 维唯 易益 优悠"
)

# Characters that look alike (a misread or mistyped stroke).
LOOKALIKE_GROUPS = (
    "王玉主 李季 张涨 刘浏 陈阵 杨扬汤 吴昊 周凋 徐涂 马乌 胡湖 郭部 何河 高膏 林材 罗萝 郑邦 梁粱 "
    "谢榭 宋宗 唐康 许浒 冯冲 曹曾 彭澎 肖消 田由 董懂 袁哀 潘播 于干 蒋奖 蔡察 余佘 杜社 程呈 "
    "魏巍 吕侣 丁了 任仕 沈沉 姚桃 卢芦 姜美 崔催 谭潭 陆陵 汪江 金全 石右 廖寥 贾贯 夏复 "
    "付村 方万 白自 邹皱 孟猛 熊能 秦泰 邱丘 尹伊 薛薜 闫闰 段锻 雷雪 侯候 龙尤 史吏 陶淘 贺货 "
    "顾硕 郝郁 邵劭 钱浅 严产 武式 戴载 向问 "
    "伟纬 娜挪 静睁 军车 洋样 娟捐 明朋 超起 霞暇 平半 刚冈 华毕 建键 梅悔 波坡 宇字 俊浚 帆帜 "
    "帅师 佳住 怡恰 雪雷 琳淋 曦羲 涵函 萱喧 然燃 思恩 远运 英荚 桂柱 玲伶 国固 婷停 晶品 "
    "浩活 晓晚 海每 志忐 鹏棚 斌赋 洁结 燕蒸 "
    "信言 恒桓 通逋 瑞端 宏宠 卓桌 越趋 润闰 达这 桥侨 智知 德徳 泰秦 康唐 "
    "创仓 联朕 兴兵 启后 航舫 源原 云去 峰锋 正止 万方 腾滕 诚城 益盖 众从 祥详 晟晨 隆降 昌冒 "
    "顺须 聚娶 拓柘 维堆 铭名 蓝篮 捷睫 睿瑞"
)

# Simplified -> traditional for the characters the generator uses that differ.
TRADITIONAL_PAIRS = (
    "张張陈陳刘劉杨楊黄黃赵趙吴吳孙孫马馬郑鄭罗羅谢謝许許韩韓冯馮邓鄧蒋蔣叶葉苏蘇吕呂卢盧钟鍾谭譚"
    "陆陸贾賈韦韋邹鄒闫閆龙龍贺賀顾顧龚龔万萬钱錢严嚴汤湯欧歐阳陽诸諸"
    "伟偉静靜丽麗强強军軍艳艷杰傑涛濤兰蘭刚剛华華鹏鵬红紅飞飛凯凱帅帥宁寧颖穎辉輝凤鳳国國晓曉东東"
    "轩軒远遠诺諾诗詩亚亞泽澤瑶瑤洁潔"
    "丰豐锐銳润潤达達桥橋汇匯创創联聯兴興启啟云雲腾騰诚誠众眾顺順广廣维維铭銘蓝藍优優"
    "术術贸貿实實业業电電饮飲医醫疗療筑築环環态態传傳询詢资資机機设設备備车車务務饰飾软軟数數据據"
    "应應链鏈气氣纺紡织織装裝农農导導体體网網络絡责責团團"
    "区區号號层層栋棟单單厦廈门門岛島庆慶苏蘇济濟汉漢长長连連园園场場开開发發际際银銀闵閔宝寶岗崗"
    "庐廬滨濱萧蕭楼樓邺鄴锡錫锦錦莲蓮台臺仓倉历歷盘盤滩灘乡鄉关關禅禪设設学學胜勝风風宾賓纪紀谊誼"
    "时時财財绣繡湾灣经經销銷采採购購总總监監师師计計会會专專员員项項长長级級"
)
TRADITIONAL = {TRADITIONAL_PAIRS[i]: TRADITIONAL_PAIRS[i + 1] for i in range(0, len(TRADITIONAL_PAIRS), 2)}

# Mainland cities: province, city, area code, division code of the city,
# districts with the last two digits of their division codes, and a weight.
ZH_CITIES = [
    ("北京市", "北京市", "010", "1101", "东城区01 西城区02 朝阳区05 丰台区06 海淀区08 通州区12 昌平区14 大兴区15", 9),
    ("上海市", "上海市", "021", "3101", "黄浦区01 徐汇区04 长宁区05 静安区06 普陀区07 虹口区09 杨浦区10 闵行区12 浦东新区15", 9),
    ("天津市", "天津市", "022", "1201", "和平区01 河西区03 南开区04 滨海新区16", 3),
    ("重庆市", "重庆市", "023", "5001", "渝中区03 江北区05 南岸区08 渝北区12", 3),
    ("广东省", "广州市", "020", "4401", "越秀区04 海珠区05 天河区06 白云区11 番禺区13", 7),
    ("广东省", "深圳市", "0755", "4403", "罗湖区03 福田区04 南山区05 宝安区06 龙岗区07 龙华区09", 8),
    ("广东省", "佛山市", "0757", "4406", "禅城区04 南海区05 顺德区06", 2),
    ("浙江省", "杭州市", "0571", "3301", "上城区02 拱墅区05 西湖区06 滨江区08 萧山区09 余杭区10", 6),
    ("浙江省", "宁波市", "0574", "3302", "海曙区03 江北区05 鄞州区12", 2),
    ("江苏省", "南京市", "025", "3201", "玄武区02 秦淮区04 建邺区05 鼓楼区06 江宁区15", 4),
    ("江苏省", "苏州市", "0512", "3205", "虎丘区05 吴中区06 相城区07 姑苏区08", 4),
    ("江苏省", "无锡市", "0510", "3202", "滨湖区11 梁溪区13 新吴区14", 2),
    ("四川省", "成都市", "028", "5101", "锦江区04 青羊区05 金牛区06 武侯区07 成华区08", 5),
    ("湖北省", "武汉市", "027", "4201", "江岸区02 江汉区03 武昌区06 洪山区11", 4),
    ("陕西省", "西安市", "029", "6101", "新城区02 碑林区03 莲湖区04 雁塔区13", 3),
    ("福建省", "厦门市", "0592", "3502", "思明区03 湖里区06 集美区11", 2),
    ("福建省", "福州市", "0591", "3501", "鼓楼区02 台江区03 仓山区04", 2),
    ("山东省", "青岛市", "0532", "3702", "市南区02 市北区03 崂山区12", 2),
    ("山东省", "济南市", "0531", "3701", "历下区02 市中区03 槐荫区04", 2),
    ("湖南省", "长沙市", "0731", "4301", "芙蓉区02 天心区03 岳麓区04 开福区05", 3),
    ("河南省", "郑州市", "0371", "4101", "中原区02 二七区03 金水区05", 3),
    ("安徽省", "合肥市", "0551", "3401", "瑶海区02 庐阳区03 蜀山区04 包河区11", 2),
    ("辽宁省", "沈阳市", "024", "2101", "和平区02 沈河区03 皇姑区05", 2),
    ("辽宁省", "大连市", "0411", "2102", "中山区02 西岗区03 沙河口区04", 2),
    ("河北省", "石家庄市", "0311", "1301", "长安区02 桥西区04 裕华区08", 2),
    ("云南省", "昆明市", "0871", "5301", "五华区02 盘龙区03 官渡区11", 2),
    ("江西省", "南昌市", "0791", "3601", "东湖区02 西湖区03 青山湖区11", 1),
    ("广西壮族自治区", "南宁市", "0771", "4501", "兴宁区02 青秀区03 西乡塘区07", 1),
    ("黑龙江省", "哈尔滨市", "0451", "2301", "道里区02 南岗区03 香坊区10", 1),
    ("吉林省", "长春市", "0431", "2201", "南关区02 朝阳区04", 1),
    ("山西省", "太原市", "0351", "1401", "小店区05 迎泽区06", 1),
    ("贵州省", "贵阳市", "0851", "5201", "南明区02 云岩区03", 1),
    ("海南省", "海口市", "0898", "4601", "龙华区06 美兰区08", 1),
]
# Mainland cities where English-speaking customers and companies appear:
# English name, province in English, postal code, and the ZH_CITIES city.
CN_CITIES_EN = [
    ("Shanghai", "Shanghai", "200120", "上海市", "Pudong Jing'an Xuhui Huangpu"),
    ("Beijing", "Beijing", "100020", "北京市", "Chaoyang Haidian Dongcheng"),
    ("Shenzhen", "Guangdong", "518057", "深圳市", "Nanshan Futian Luohu"),
    ("Guangzhou", "Guangdong", "510623", "广州市", "Tianhe Yuexiu Haizhu"),
    ("Suzhou", "Jiangsu", "215021", "苏州市", "Gusu Wuzhong Huqiu"),
    ("Hangzhou", "Zhejiang", "310012", "杭州市", "Xihu Binjiang Shangcheng"),
]

ZH_STREETS = (
    "人民路 中山路 解放路 建设路 和平路 新华路 长江路 黄河路 文化路 学院路 科技路 创业路 工业大道 滨江路 "
    "湖滨路 朝阳路 南京路 北京路 青年路 胜利路 光明路 幸福路 花园路 东风路 迎宾大道 金融街 高新大道 "
    "科技园路 软件园路 世纪大道 友谊路 环城路 滨河路 体育路 迎春路"
).split()
ZH_BUILDINGS = "国贸 金融 科技 创新 环球 时代 财富 世纪 国际 华润 万达 中信 汇金 嘉里".split()
ZH_BUILDING_KINDS = ["大厦", "中心", "广场", "大楼"]
ZH_COMMUNITIES = "阳光花园 幸福家园 锦绣华庭 碧水湾 翠苑 金色家园 世纪新城 康乐小区 丽景苑 桃源居 滨江花园 书香门第".split()

# Company trade names are two of these characters: enough combinations that
# most are unique, yet some recur in other cities as they really do.
ZH_BRAND_CHARS = (
    "华信恒通嘉禾瑞丰天成鼎盛宏远博雅新锐卓越中科润达金桥汇智东方明德安泰康宇创联兴启航美海星辰光源"
    "云峰正和万佳立腾飞凯力诚益欣众祥晟隆昌永顺广聚合拓维铭蓝易优捷思睿"
)
# Industry words with a short English word for web domains.
ZH_TRADES = [
    ("科技", "tech"), ("信息技术", "it"), ("网络科技", "net"), ("电子", "elec"), ("贸易", "trade"),
    ("实业", "group"), ("物流", "logistics"), ("餐饮管理", "food"), ("教育科技", "edu"), ("医疗器械", "med"),
    ("建材", "jc"), ("建筑工程", "build"), ("环保科技", "eco"), ("新能源", "energy"), ("生物科技", "bio"),
    ("文化传媒", "media"), ("广告", "ad"), ("咨询", "consulting"), ("投资管理", "invest"), ("机械设备", "machine"),
    ("汽车服务", "auto"), ("食品", "foods"), ("服饰", "fashion"), ("家居", "home"), ("软件", "soft"),
    ("数据科技", "data"), ("智能科技", "ai"), ("供应链管理", "scm"), ("电气", "electric"), ("化工", "chem"),
    ("纺织", "textile"), ("印刷", "print"), ("装饰工程", "deco"), ("物业管理", "property"), ("人力资源", "hr"),
    ("旅游", "travel"), ("酒店管理", "hotel"), ("农业科技", "agri"), ("包装", "pack"), ("光电", "opto"),
    ("半导体", "semi"), ("医药", "pharma"),
]
# Legal forms with a weight.
ZH_LEGAL_FORMS = [("有限公司", 80), ("股份有限公司", 12), ("有限责任公司", 8)]

ZH_TITLES = (
    "经理 销售经理 采购经理 总监 技术总监 总经理 副总经理 董事长 助理 工程师 高级工程师 财务 会计 行政主管 "
    "人事经理 市场专员 客服主管 项目经理 法务 采购 主任 销售代表 区域经理"
).split()
ZH_NAME_NOTES = ["（新）", "(新)", "（重复）", "（老客户）", "（介绍）", " VIP", "-展会"]

ZH_EMAIL_DOMAINS = [("163.com", 30), ("qq.com", 30), ("126.com", 10), ("sina.com", 5), ("foxmail.com", 5),
                    ("139.com", 4), ("aliyun.com", 3), ("sohu.com", 3), ("yeah.net", 2), ("outlook.com", 4),
                    ("hotmail.com", 2), ("gmail.com", 2)]

# Valid mainland mobile prefixes with rough weights.
CN_MOBILE_PREFIXES = (
    "130:4 131:4 132:4 133:4 134:3 135:6 136:6 137:6 138:8 139:8 145:1 147:1 149:1 150:4 151:4 152:3 "
    "153:3 155:3 156:3 157:2 158:4 159:4 162:1 165:1 166:2 167:1 170:1 171:1 172:1 173:2 175:1 176:2 "
    "177:2 178:2 180:3 181:3 182:3 183:3 184:2 185:3 186:4 187:4 188:4 189:4 190:1 191:1 192:1 193:1 "
    "195:1 196:1 197:1 198:2 199:2"
)

EN_FIRST_MALE = (
    "James:6 John:6 Robert:5 Michael:5 David:6 William:4 Richard:3 Joseph:3 Thomas:4 Christopher:3 "
    "Daniel:4 Matthew:3 Mark:3 Paul:3 Andrew:3 Peter:3 Steven:2 Stephen:2 Kevin:2 Brian:2 George:2 "
    "Edward:2 Anthony:2 Jonathan:2 Nicholas:2 Benjamin:2 Samuel:2 Alexander:2 Timothy:1 Philip:1 "
    "Simon:2 Oliver:2 Harry:2 Jack:2 Charlie:1 Ryan:2 Adam:2 Luke:1 Patrick:1 Sean:1 Ian:1 Graham:1 "
    "Neil:1 Geoffrey:1 Stuart:1 Carl:1 Eric:1 Jason:2 Justin:1 Brandon:1 Tyler:1 Kenneth:1 Aaron:1 "
    "Alan:1 Arthur:1 Bruce:1 Callum:1 Craig:1 Dean:1 Dennis:1 Derek:1 Dominic:1 Douglas:1 Dylan:1 Ethan:1 "
    "Frank:1 Gary:1 Gordon:1 Gregory:1 Henry:1 Jacob:1 Jake:1 Jeremy:1 Jordan:1 Joshua:1 Keith:1 Leo:1 "
    "Liam:1 Martin:1 Nathan:1 Noah:1 Oscar:1 Owen:1 Raymond:1 Roger:1 Ronald:1 Russell:1 Scott:1 Trevor:1 "
    "Victor:1 Vincent:1 Wayne:1 Zachary:1"
)
EN_FIRST_FEMALE = (
    "Mary:4 Patricia:2 Jennifer:4 Linda:2 Elizabeth:4 Barbara:2 Susan:3 Jessica:3 Sarah:5 Karen:2 "
    "Emma:4 Olivia:3 Sophie:3 Charlotte:3 Emily:3 Hannah:2 Laura:3 Rachel:2 Rebecca:2 Katherine:2 "
    "Catherine:2 Victoria:2 Helen:3 Anna:2 Lucy:2 Amy:2 Claire:2 Louise:1 Megan:1 Chloe:1 Grace:2 "
    "Alice:2 Margaret:2 Deborah:1 Teresa:1 Nicole:1 Ashley:1 Amanda:2 Michelle:2 Natalie:1 Samantha:1 "
    "Ann:1 Isabel:1 Sara:1 Abigail:1 Alexandra:1 Alison:1 Andrea:1 Angela:1 Bethany:1 Caroline:1 Carol:1 "
    "Christine:1 Diana:1 Donna:1 Eleanor:1 Ella:1 Eva:1 Fiona:1 Florence:1 Frances:1 Gemma:1 Gillian:1 "
    "Harriet:1 Heather:1 Holly:1 Imogen:1 Isla:1 Jane:1 Janet:1 Jasmine:1 Joanna:1 Julia:1 Julie:1 Kelly:1 "
    "Kirsty:1 Leah:1 Lily:1 Lisa:1 Lydia:1 Maria:1 Melissa:1 Molly:1 Naomi:1 Paula:1 Phoebe:1 Ruby:1 "
    "Ruth:1 Sally:1 Sandra:1 Sophia:1 Stephanie:1 Valerie:1 Wendy:1 Zoe:1"
)
EN_SURNAMES = (
    "Smith:5 Jones:4 Williams:4 Brown:4 Taylor:3 Johnson:3 Davies:3 Wilson:3 Evans:3 Thomas:3 Roberts:3 "
    "Walker:3 Wright:3 Robinson:3 Thompson:3 White:3 Hughes:3 Edwards:3 Green:3 Hall:3 Wood:2 Harris:3 "
    "Lewis:3 Martin:3 Jackson:3 Clarke:2 Clark:2 Turner:2 Hill:2 Scott:2 Cooper:2 Morris:2 Ward:2 Moore:3 "
    "King:2 Watson:2 Baker:2 Harrison:2 Morgan:2 Patel:2 Young:2 Allen:2 Mitchell:2 James:2 Anderson:2 "
    "Phillips:2 Lee:2 Bell:2 Parker:2 Davis:3 Miller:3 Garcia:2 Rodriguez:2 Martinez:2 Lopez:1 Adams:2 "
    "Nelson:1 Carter:2 Campbell:2 Stewart:2 Murphy:2 Kelly:2 O'Brien:1 Murray:1 Reid:1 Gray:1 Khan:1 "
    "Singh:1 Nguyen:1 Kim:1 Wang:1 Li:1 Zhang:1 Chen:1 Liu:1 Thomson:1 Matthews:1 Collins:1 Bennett:1 "
    "Foster:1 Palmer:1 Hunt:1 Fisher:1 Hayes:1 Reed:1 Sullivan:1 Fraser:1 MacDonald:1 Cook:1 Rogers:1 Cox:1 "
    "Howard:1 Peterson:1 Brooks:1 Price:1 Barnes:1 Ross:1 Henderson:1 Coleman:1 Jenkins:1 Perry:1 Powell:1 "
    "Long:1 Butler:1 Simmons:1 Bryant:1 Russell:1 Griffin:1 Myers:1 Ford:1 Hamilton:1 Graham:1 Wallace:1 "
    "Woods:1 Cole:1 West:1 Owens:1 Reynolds:1 Ellis:1 Gibson:1 Marshall:1 Freeman:1 Wells:1 Webb:1 "
    "Simpson:1 Stevens:1 Tucker:1 Porter:1 Hunter:1 Crawford:1 Henry:1 Boyd:1 Mason:1 Kennedy:1 Warren:1 "
    "Dixon:1 Burns:1 Gordon:1 Shaw:1 Holmes:1 Rice:1 Robertson:1 Black:1 Mills:1 Grant:1 Knight:1 "
    "Ferguson:1 Stone:1 Hawkins:1 Dunn:1 Hudson:1 Spencer:1 Gardner:1 Payne:1 Pierce:1 Berry:1 Arnold:1 "
    "Wagner:1 Willis:1 Watkins:1 Duncan:1 Hart:1 Bradley:1 Lane:1 Andrews:1 Harper:1 Fox:1 Riley:1 "
    "Armstrong:1 Carpenter:1 Lawrence:1 Elliott:1 Austin:1 Lawson:1 Barker:1 Chapman:1 Fletcher:1 "
    "Lloyd:1 Owen:1 Pearson:1 Richards:1 Saunders:1 Walsh:1 Dawson:1 Hussain:1 Ahmed:1"
)
# Short forms people use for themselves.
EN_NICKNAMES = {
    "William": ["Bill", "Will"], "Robert": ["Bob", "Rob"], "Richard": ["Rick", "Richie"], "James": ["Jim", "Jamie"],
    "Michael": ["Mike"], "Elizabeth": ["Liz", "Beth"], "Katherine": ["Kate", "Kathy"], "Catherine": ["Cathy", "Cath"],
    "Margaret": ["Maggie", "Meg"], "Thomas": ["Tom"], "Christopher": ["Chris"], "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"], "Anthony": ["Tony"], "Joseph": ["Joe"], "Jennifer": ["Jen", "Jenny"],
    "Jessica": ["Jess"], "Samuel": ["Sam"], "Samantha": ["Sam"], "Alexander": ["Alex"], "Andrew": ["Andy"],
    "David": ["Dave"], "Benjamin": ["Ben"], "Jonathan": ["Jon"], "Nicholas": ["Nick"], "Patricia": ["Pat", "Trish"],
    "Rebecca": ["Becky"], "Susan": ["Sue"], "Deborah": ["Debbie", "Deb"], "Edward": ["Ed", "Ted"],
    "Peter": ["Pete"], "Steven": ["Steve"], "Stephen": ["Steve"], "Timothy": ["Tim"], "Victoria": ["Vicky"],
    "Kenneth": ["Ken"], "Philip": ["Phil"], "Patrick": ["Pat"], "Alice": ["Ally"], "Amanda": ["Mandy"],
    "Natalie": ["Nat"], "Charlotte": ["Lottie"], "Geoffrey": ["Geoff"],
}
# Spellings that sound the same.
EN_SOUNDALIKE_GROUPS = [
    "Catherine Katherine Kathryn", "Stephen Steven", "Philip Phillip", "Sarah Sara", "Ann Anne",
    "Geoffrey Jeffrey", "Isabel Isobel", "Teresa Theresa", "Carl Karl", "Eric Erik", "Neil Neal",
    "Rachel Rachael", "Sean Shaun", "Louise Louisa", "Smith Smyth", "Clarke Clark", "Reid Reed Read",
    "Thompson Thomson", "Brown Browne", "Gray Grey", "Allen Allan", "Matthews Mathews", "Lee Leigh",
    "Phillips Philips", "Stewart Stuart", "MacDonald McDonald", "Davies Davis", "Hayes Hays",
    "Fraser Frazer", "Collins Collings",
]

EN_TITLES = (
    "Sales Manager|Procurement Lead|CEO|CFO|Director of Operations|Engineer|Head of IT|Marketing Manager|"
    "Account Executive|Office Manager|Consultant|Founder|Partner|Analyst|Project Manager|Buyer|"
    "Managing Director|General Manager|HR Manager|Product Manager"
).split("|")
EN_NAME_NOTES = [" (new)", " - dup", " (old)", " (trade fair)"]
EN_HONORIFICS = ["Mr ", "Mrs ", "Ms ", "Dr ", "Dr. ", "Mr. "]

EN_BRAND_HEADS = (
    "North South East West Blue Red Green Silver Gold Bright Clear Deep High Iron Oak Pine Stone River Lake "
    "Harbour Summit Crown Star Sun Moon Fox Falcon Eagle Lion Swift True Prime Nova Apex Atlas Orion Peak "
    "Copper Amber Cedar Maple Willow Ash Elm Birch Hawk Raven Wolf Bear Glen Kings Queens Bridge Sea Sky "
    "Storm Frost Ever White Black"
).split()
EN_BRAND_TAILS = (
    "gate wood field bridge stone well ridge brook point line wave light path view works forge leaf haven port "
    "mark crest vale ford side wick"
).split()
EN_BRAND_WORDS = (
    "Acme Meridian Pinnacle Beacon Keystone Horizon Vanguard Sterling Paragon Zenith Catalyst Evergreen "
    "Cascade Mosaic Lumen Vector Kestrel Albion Cobalt Granite Quantum Vertex Halcyon Tandem Juniper "
    "Sapphire Cardinal Compass Anchor Lantern"
).split()
EN_TRADES = (
    "Analytics Logistics Consulting Software Systems Trading Engineering Foods Partners Media Holdings "
    "Technologies Solutions Labs Design Capital Health Energy Robotics Materials Imports Manufacturing "
    "Security Networks Pharma Retail Apparel Instruments Ventures Data"
).split()
# Legal forms as each country writes them, canonical first then variants.
EN_FORMS = {
    "UK": [["Ltd", "Limited", "Ltd.", "LTD", ""], ["PLC", "plc", "Public Limited Company", ""], ["LLP", ""]],
    "US": [["Inc.", "Inc", "Incorporated", ""], ["LLC", "L.L.C.", ""], ["Corp.", "Corporation", "Corp", ""]],
    "CN": [["Co., Ltd.", "Co. Ltd", "Company Limited", "Co., Limited", "Ltd."]],
}

# (country, province/state, state code, city, city dialling code, postcode stems or ZIP prefix, weight)
UK_CITIES = [
    ("England", "London", "20", "EC1A EC2M WC2H SW1A SE1 N1 E14 W1D NW1", 10),
    ("England", "Manchester", "161", "M1 M2 M4", 3),
    ("England", "Birmingham", "121", "B1 B3", 3),
    ("England", "Leeds", "113", "LS1 LS2", 2),
    ("England", "Bristol", "117", "BS1 BS2", 2),
    ("England", "Cambridge", "1223", "CB1 CB2", 1),
    ("England", "Oxford", "1865", "OX1 OX2", 1),
    ("Scotland", "Edinburgh", "131", "EH1 EH2", 2),
    ("Scotland", "Glasgow", "141", "G1 G2", 2),
    ("Wales", "Cardiff", "29", "CF10 CF11", 1),
]
US_CITIES = [
    ("New York", "NY", "New York", "212 646", "100", 8),
    ("California", "CA", "San Francisco", "415 628", "941", 5),
    ("California", "CA", "Los Angeles", "213 310", "900", 5),
    ("Illinois", "IL", "Chicago", "312 773", "606", 4),
    ("Massachusetts", "MA", "Boston", "617 857", "021", 3),
    ("Washington", "WA", "Seattle", "206", "981", 3),
    ("Texas", "TX", "Austin", "512 737", "787", 2),
    ("Texas", "TX", "Houston", "713 832", "770", 2),
    ("Colorado", "CO", "Denver", "303 720", "802", 2),
    ("Georgia", "GA", "Atlanta", "404 678", "303", 2),
    ("Florida", "FL", "Miami", "305 786", "331", 2),
]
UK_STREETS = (
    "High Street|Station Road|Church Lane|King Street|Queen Street|Victoria Road|Park Road|Mill Lane|"
    "London Road|Market Street|George Street|Bridge Street|Albert Road|Castle Street|Grove Road|North Road"
).split("|")
US_STREETS = (
    "Main Street|Market Street|Broadway|5th Avenue|Oak Street|Pine Street|Maple Avenue|Washington Street|"
    "Lake Street|Elm Street|Park Avenue|Mission Street|Congress Avenue|Peachtree Street|Madison Avenue"
).split("|")
CN_STREETS_EN = (
    "Century Avenue|Nanjing Road West|Huaihai Road|Jianguo Road|Chaoyang Road|Keyuan Road|Shennan Avenue|"
    "Tianhe Road|Renmin Road|Zhongshan Road|Xinhua Road"
).split("|")
EN_STREET_ABBREVIATIONS = [("Street", "St"), ("Road", "Rd"), ("Avenue", "Ave"), ("Lane", "Ln"), ("Suite", "Ste")]

EN_EMAIL_DOMAINS = [("gmail.com", 30), ("outlook.com", 12), ("hotmail.com", 10), ("yahoo.com", 8),
                    ("icloud.com", 6), ("hotmail.co.uk", 4), ("btinternet.com", 3), ("aol.com", 2), ("proton.me", 2)]
