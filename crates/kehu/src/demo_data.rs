//! Synthetic customers for `kehu demo`: realistic enough to exercise search,
//! pinyin matching, deduplication and the list views, and cheap enough that
//! a million of them take seconds.
//!
//! Every customer is a pure function of (seed, index), so a data set can be
//! generated in parallel chunks or resumed part-way and still come out the same.

use std::fmt::Write as _;

use kehu_core::region::Province;
use kehu_core::uscc::check_char;
use rand::{Rng, RngCore, SeedableRng};

#[derive(Debug, Clone, Default)]
pub struct DemoCustomer {
    pub kind: &'static str,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub uscc: Option<String>,
    pub province: Option<&'static str>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub industry: Option<&'static str>,
    pub company_size: Option<&'static str>,
    pub stage: &'static str,
    pub source: Option<&'static str>,
    pub value_tier: Option<&'static str>,
    pub notes: Option<String>,
    pub tags: Vec<&'static str>,
    pub created_days_ago: u32,
    pub contacts: Vec<DemoContact>,
    pub interactions: Vec<DemoInteraction>,
}

#[derive(Debug, Clone)]
pub struct DemoContact {
    pub name: String,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoInteraction {
    pub channel: &'static str,
    pub content: String,
    pub days_ago: u32,
    pub next_step: Option<String>,
    pub next_step_in_days: Option<i32>,
}

struct City {
    /// Without 市, as company names use it.
    name: &'static str,
    /// The first four digits of the GB/T 2260 division code.
    code: u32,
    area: &'static str,
    postal: u32,
    weight: u16,
    /// "district:last two division-code digits", space-separated.
    districts: &'static str,
}
struct Country {
    legal_forms: &'static str,
    streets: &'static str,
    /// E.164 mobile prefix and the number of digits after it.
    mobile: (&'static str, usize),
    tld: &'static str,
}
/// The word lists, one table row to a line.
#[rustfmt::skip]
mod data {
    use super::{City, Country};

    const fn city(name: &'static str, code: u32, area: &'static str, postal: u32, weight: u16, districts: &'static str) -> City {
        City { name, code, area, postal, weight, districts }
    }

    // Surnames with pinyin and a weight roughly proportional to their share of the population;
    // the rare polyphonic (单 shan, 解 xie, 区 ou…) and compound ones exercise pinyin search.
    pub const SURNAMES: &[(&str, &str, u16)] = &[
        ("王", "wang", 710), ("李", "li", 700), ("张", "zhang", 640), ("刘", "liu", 530), ("陈", "chen", 460), ("杨", "yang", 310), ("黄", "huang", 240), ("赵", "zhao", 230), ("吴", "wu", 200), ("周", "zhou", 190), ("徐", "xu", 145), ("孙", "sun", 138),
        ("马", "ma", 129), ("朱", "zhu", 126), ("胡", "hu", 116), ("郭", "guo", 115), ("何", "he", 106), ("林", "lin", 102), ("高", "gao", 100), ("罗", "luo", 98), ("郑", "zheng", 82), ("梁", "liang", 80), ("谢", "xie", 79), ("宋", "song", 72),
        ("唐", "tang", 70), ("许", "xu", 67), ("韩", "han", 62), ("冯", "feng", 60), ("邓", "deng", 59), ("曹", "cao", 58), ("彭", "peng", 56), ("曾", "zeng", 55), ("肖", "xiao", 53), ("田", "tian", 51), ("董", "dong", 50), ("袁", "yuan", 49),
        ("潘", "pan", 48), ("于", "yu", 48), ("蒋", "jiang", 47), ("蔡", "cai", 46), ("余", "yu", 45), ("杜", "du", 44), ("叶", "ye", 43), ("程", "cheng", 42), ("苏", "su", 41), ("魏", "wei", 40), ("吕", "lv", 39), ("丁", "ding", 38),
        ("任", "ren", 37), ("沈", "shen", 36), ("姚", "yao", 35), ("卢", "lu", 34), ("姜", "jiang", 33), ("崔", "cui", 32), ("钟", "zhong", 31), ("谭", "tan", 30), ("陆", "lu", 30), ("汪", "wang", 29), ("范", "fan", 28), ("金", "jin", 27),
        ("石", "shi", 27), ("廖", "liao", 26), ("贾", "jia", 26), ("夏", "xia", 25), ("韦", "wei", 25), ("付", "fu", 24), ("方", "fang", 24), ("白", "bai", 23), ("邹", "zou", 23), ("孟", "meng", 22), ("熊", "xiong", 22), ("秦", "qin", 21),
        ("邱", "qiu", 21), ("江", "jiang", 21), ("尹", "yin", 20), ("薛", "xue", 20), ("闫", "yan", 19), ("段", "duan", 19), ("雷", "lei", 18), ("侯", "hou", 18), ("龙", "long", 18), ("史", "shi", 17), ("陶", "tao", 17), ("黎", "li", 16),
        ("贺", "he", 16), ("顾", "gu", 16), ("毛", "mao", 15), ("郝", "hao", 15), ("龚", "gong", 15), ("邵", "shao", 14), ("万", "wan", 14), ("钱", "qian", 14), ("严", "yan", 13), ("覃", "qin", 13), ("武", "wu", 13), ("戴", "dai", 13),
        ("莫", "mo", 12), ("孔", "kong", 12), ("向", "xiang", 12), ("汤", "tang", 12), ("单", "shan", 3), ("解", "xie", 3), ("翟", "zhai", 3), ("区", "ou", 2), ("仇", "qiu", 2), ("查", "zha", 2), ("朴", "piao", 2), ("缪", "miao", 2),
        ("盖", "ge", 1), ("欧阳", "ouyang", 3), ("司马", "sima", 1), ("诸葛", "zhuge", 1),
    ];

    pub const GIVEN_MALE: &[(&str, &str)] = &[
        ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"), ("超", "chao"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"), ("飞", "fei"), ("鑫", "xin"),
        ("波", "bo"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("健", "jian"), ("俊", "jun"), ("帅", "shuai"), ("旭", "xu"), ("龙", "long"), ("峰", "feng"), ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("海", "hai"),
        ("东", "dong"), ("亮", "liang"), ("博", "bo"), ("泽", "ze"), ("轩", "xuan"), ("豪", "hao"), ("成", "cheng"), ("昊", "hao"), ("振", "zhen"), ("兵", "bing"), ("光", "guang"), ("永", "yong"), ("庆", "qing"), ("德", "de"), ("福", "fu"),
        ("荣", "rong"), ("毅", "yi"), ("鸿", "hong"), ("锋", "feng"), ("良", "liang"), ("武", "wu"), ("彬", "bin"), ("坤", "kun"), ("骏", "jun"), ("诚", "cheng"), ("翔", "xiang"), ("宏", "hong"), ("正", "zheng"), ("林", "lin"), ("山", "shan"),
        ("松", "song"), ("晨", "chen"), ("阳", "yang"), ("睿", "rui"), ("哲", "zhe"), ("铭", "ming"), ("嘉", "jia"), ("威", "wei"), ("磊", "lei"), ("志", "zhi"),
    ];
    pub const GIVEN_FEMALE: &[(&str, &str)] = &[
        ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"), ("娟", "juan"), ("霞", "xia"), ("秀", "xiu"), ("婷", "ting"), ("玲", "ling"), ("燕", "yan"), ("红", "hong"), ("梅", "mei"), ("琳", "lin"),
        ("雪", "xue"), ("慧", "hui"), ("颖", "ying"), ("倩", "qian"), ("洁", "jie"), ("莉", "li"), ("萍", "ping"), ("晶", "jing"), ("欣", "xin"), ("怡", "yi"), ("悦", "yue"), ("佳", "jia"), ("琪", "qi"), ("璐", "lu"), ("蕾", "lei"),
        ("薇", "wei"), ("雯", "wen"), ("婧", "jing"), ("瑶", "yao"), ("涵", "han"), ("萱", "xuan"), ("诗", "shi"), ("梦", "meng"), ("月", "yue"), ("露", "lu"), ("淑", "shu"), ("兰", "lan"), ("英", "ying"), ("凤", "feng"), ("琴", "qin"),
        ("云", "yun"), ("莹", "ying"), ("蓉", "rong"), ("茜", "qian"), ("菲", "fei"), ("姗", "shan"), ("妍", "yan"), ("岚", "lan"), ("婉", "wan"), ("馨", "xin"), ("彤", "tong"), ("璇", "xuan"), ("丹", "dan"), ("雅", "ya"), ("美", "mei"),
        ("珊", "shan"), ("曦", "xi"), ("玉", "yu"), ("春", "chun"), ("秋", "qiu"), ("冰", "bing"), ("桂", "gui"), ("素", "su"), ("晴", "qing"), ("卉", "hui"),
    ];
    pub const GIVEN_NEUTRAL: &[(&str, &str)] = &[
        ("晓", "xiao"), ("文", "wen"), ("宁", "ning"), ("思", "si"), ("子", "zi"), ("一", "yi"), ("安", "an"), ("雨", "yu"), ("小", "xiao"), ("明", "ming"), ("天", "tian"), ("瑞", "rui"), ("然", "ran"), ("家", "jia"), ("新", "xin"),
        ("立", "li"), ("金", "jin"), ("华", "hua"), ("清", "qing"), ("楠", "nan"), ("可", "ke"), ("乐", "le"), ("心", "xin"), ("语", "yu"), ("昕", "xin"), ("若", "ruo"), ("逸", "yi"), ("航", "hang"), ("珂", "ke"), ("凡", "fan"),
        ("泓", "hong"), ("易", "yi"), ("梓", "zi"), ("沐", "mu"), ("歆", "xin"), ("朗", "lang"), ("韵", "yun"), ("卓", "zhuo"), ("俊", "jun"), ("欣", "xin"),
    ];
    /// Trade-name characters for Chinese companies, with the pinyin their domains use.
    pub const BRAND: &[(&str, &str)] = &[
        ("华", "hua"), ("信", "xin"), ("云", "yun"), ("帆", "fan"), ("恒", "heng"), ("瑞", "rui"), ("鼎", "ding"), ("盛", "sheng"), ("博", "bo"), ("远", "yuan"), ("创", "chuang"), ("新", "xin"), ("宏", "hong"), ("达", "da"), ("通", "tong"), ("汇", "hui"),
        ("泰", "tai"), ("安", "an"), ("嘉", "jia"), ("禾", "he"), ("金", "jin"), ("海", "hai"), ("天", "tian"), ("星", "xing"), ("辰", "chen"), ("智", "zhi"), ("联", "lian"), ("迅", "xun"), ("捷", "jie"), ("润", "run"), ("丰", "feng"), ("源", "yuan"),
        ("晟", "sheng"), ("昊", "hao"), ("宇", "yu"), ("优", "you"), ("佳", "jia"), ("易", "yi"), ("美", "mei"), ("立", "li"), ("中", "zhong"), ("正", "zheng"), ("祥", "xiang"), ("和", "he"), ("德", "de"), ("乐", "le"), ("永", "yong"), ("兴", "xing"),
        ("凯", "kai"), ("腾", "teng"), ("飞", "fei"), ("翔", "xiang"), ("朗", "lang"), ("峰", "feng"), ("锐", "rui"), ("卓", "zhuo"), ("越", "yue"), ("弘", "hong"), ("启", "qi"), ("明", "ming"), ("光", "guang"), ("辉", "hui"), ("耀", "yao"), ("蓝", "lan"),
        ("致", "zhi"), ("恩", "en"), ("诚", "cheng"), ("康", "kang"), ("顺", "shun"), ("万", "wan"), ("众", "zhong"), ("合", "he"), ("聚", "ju"), ("力", "li"), ("赛", "sai"), ("拓", "tuo"), ("维", "wei"), ("亿", "yi"), ("航", "hang"), ("科", "ke"),
    ];

    // One city per mainland province at least, weighted towards where CRM users are.
    pub const CITIES: &[City] = &[
        city("北京", 1101, "010", 100, 90, "朝阳区:05 海淀区:08 东城区:01 西城区:02 丰台区:06"), city("上海", 3101, "021", 200, 100, "浦东新区:15 徐汇区:04 静安区:06 闵行区:12 长宁区:05"),
        city("天津", 1201, "022", 300, 20, "和平区:01 南开区:04 河西区:03 滨海新区:16"), city("重庆", 5001, "023", 400, 25, "渝中区:03 江北区:05 渝北区:12 九龙坡区:07"),
        city("深圳", 4403, "0755", 518, 80, "南山区:05 福田区:04 罗湖区:03 宝安区:06 龙岗区:07"), city("广州", 4401, "020", 510, 70, "天河区:06 越秀区:04 海珠区:05 番禺区:13 白云区:11"),
        city("东莞", 4419, "0769", 523, 25, "南城街道:00 东城街道:00 长安镇:00 虎门镇:00"), city("佛山", 4406, "0757", 528, 20, "禅城区:04 南海区:05 顺德区:06"),
        city("珠海", 4404, "0756", 519, 8, "香洲区:02 金湾区:04"), city("杭州", 3301, "0571", 310, 50, "西湖区:06 滨江区:08 余杭区:10 拱墅区:05 上城区:02"),
        city("宁波", 3302, "0574", 315, 20, "鄞州区:12 海曙区:03 北仑区:06"), city("温州", 3303, "0577", 325, 12, "鹿城区:02 瓯海区:04 龙湾区:03"),
        city("南京", 3201, "025", 210, 35, "玄武区:02 鼓楼区:06 建邺区:05 江宁区:15"), city("苏州", 3205, "0512", 215, 40, "姑苏区:08 吴中区:06 虎丘区:05 相城区:07 昆山市:83"),
        city("无锡", 3202, "0510", 214, 15, "梁溪区:13 滨湖区:11 新吴区:14"), city("济南", 3701, "0531", 250, 18, "历下区:02 市中区:03 槐荫区:04"),
        city("青岛", 3702, "0532", 266, 20, "市南区:02 市北区:03 黄岛区:11 崂山区:12"), city("成都", 5101, "028", 610, 40, "锦江区:04 武侯区:07 青羊区:05 成华区:08 双流区:16"),
        city("武汉", 4201, "027", 430, 35, "江汉区:03 武昌区:06 洪山区:11 江岸区:02"), city("长沙", 4301, "0731", 410, 25, "岳麓区:04 芙蓉区:02 天心区:03 雨花区:11"),
        city("福州", 3501, "0591", 350, 15, "鼓楼区:02 台江区:03 仓山区:04"), city("厦门", 3502, "0592", 361, 18, "思明区:03 湖里区:06 集美区:11"),
        city("郑州", 4101, "0371", 450, 22, "金水区:05 中原区:02 二七区:03"), city("西安", 6101, "029", 710, 25, "雁塔区:13 碑林区:03 未央区:12"),
        city("合肥", 3401, "0551", 230, 18, "蜀山区:04 包河区:11 庐阳区:03"), city("石家庄", 1301, "0311", 50, 10, "长安区:02 桥西区:04 裕华区:08"),
        city("沈阳", 2101, "024", 110, 12, "和平区:02 沈河区:03 浑南区:12"), city("大连", 2102, "0411", 116, 12, "中山区:02 西岗区:03 甘井子区:11"),
        city("哈尔滨", 2301, "0451", 150, 8, "南岗区:03 道里区:02"), city("长春", 2201, "0431", 130, 7, "朝阳区:04 南关区:02"), city("南昌", 3601, "0791", 330, 8, "东湖区:02 红谷滩区:13"),
        city("昆明", 5301, "0871", 650, 10, "五华区:02 盘龙区:03"), city("贵阳", 5201, "0851", 550, 7, "云岩区:03 南明区:02"), city("南宁", 4501, "0771", 530, 8, "青秀区:03 西乡塘区:07"),
        city("太原", 1401, "0351", 30, 7, "小店区:05 迎泽区:06"), city("呼和浩特", 1501, "0471", 10, 4, "新城区:02 赛罕区:05"), city("海口", 4601, "0898", 570, 5, "龙华区:06 美兰区:08"),
        city("兰州", 6201, "0931", 730, 4, "城关区:02 七里河区:03"), city("乌鲁木齐", 6501, "0991", 830, 4, "天山区:02 沙依巴克区:03"), city("银川", 6401, "0951", 750, 3, "兴庆区:04 金凤区:06"),
        city("西宁", 6301, "0971", 810, 2, "城中区:03 城西区:04"), city("拉萨", 5401, "0891", 850, 1, "城关区:02"),
    ];
    pub const STREETS: &[&str] = &[
        "人民路", "解放路", "中山路", "建设路", "科技园路", "长江路", "黄河路", "和平路", "新华路", "文化路", "学府路", "工业大道", "创业路", "高新大道", "滨江大道", "世纪大道", "东风路", "友谊路", "青年路", "光明路",
        "朝阳路", "花园路", "环城路", "金融街", "软件园路", "兴业路", "府前路", "迎宾大道", "科苑路", "南京路",
    ];
    pub const BUILDINGS: &[&str] = &["国际大厦", "科技大厦", "创新中心", "金融中心", "商务中心", "数码大厦", "时代广场", "软件园", "创业园", "置地广场"];

    /// Industry, the words company names use for it, the English word domains use, weight.
    pub const INDUSTRIES: &[(&str, &str, &str, u16)] = &[
        ("软件和信息技术服务业", "科技|网络科技|信息技术|软件|智能科技|数据服务", "tech", 20), ("制造业", "机械|电子|精密制造|新材料|机电设备|塑胶制品|五金制品", "mfg", 22),
        ("批发和零售业", "贸易|商贸|供应链管理|进出口|电子商务", "trade", 18), ("建筑业", "建设工程|建筑装饰|工程技术", "build", 6), ("教育", "教育科技|培训|文化教育", "edu", 5),
        ("医疗", "医疗器械|生物科技|医药|健康管理", "med", 6), ("金融", "投资管理|融资租赁|资产管理", "capital", 4), ("物流", "物流|国际货运代理|运输", "logistics", 6),
        ("餐饮", "餐饮管理|酒店管理|食品", "food", 4), ("文化传媒", "文化传播|广告|传媒", "media", 4), ("咨询服务", "企业管理咨询|人力资源|知识产权代理", "consulting", 4),
        ("房地产", "房地产开发|物业管理|置业", "realty", 3), ("农业", "农业科技|生态农业|农产品", "agri", 2),
    ];
    pub const EN_INDUSTRIES: &[(&str, &str)] = &[
        ("Manufacturing", "Manufacturing|Industries|Engineering"), ("Software", "Technologies|Software|Systems|Digital"), ("Wholesale & Retail", "Trading|Supply|Imports"),
        ("Logistics", "Logistics|Freight|Shipping"), ("Healthcare", "Healthcare|Medical|Biotech"), ("Finance", "Capital|Partners|Financial"), ("Education", "Learning|Education"),
        ("Consulting", "Consulting|Advisory"), ("Food & Beverage", "Foods|Beverages"), ("Media", "Media|Studios"),
    ];
    pub const EN_FIRST: &[&str] = &[
        "James", "John", "Robert", "Michael", "David", "William", "Richard", "Thomas", "Daniel", "Matthew", "Andrew", "Mark", "Paul", "Steven", "Kevin", "Brian", "George", "Edward", "Peter", "Oliver",
        "Harry", "Jack", "Samuel", "Benjamin", "Lucas", "Ethan", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Susan", "Jessica", "Sarah", "Karen", "Emily", "Emma", "Olivia", "Sophie",
        "Charlotte", "Amelia", "Grace", "Hannah", "Laura", "Rachel", "Anna", "Chloe",
    ];
    pub const EN_LAST: &[&str] = &[
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "White", "Harris", "Clark", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
        "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Bell", "Ward", "Wood", "Hughes", "Price", "Bennett", "Gray", "Foster", "Brooks", "Kelly",
        "Sanders", "Reed", "O'Brien", "MacDonald",
    ];
    pub const EN_BRANDS: &[&str] = &[
        "Acme", "Northwind", "Contoso", "Fabrikam", "Blue Harbor", "Summit", "Redwood", "Silverline", "Oakridge", "Brightwater", "Ironbridge", "Pinnacle", "Evergreen", "Horizon", "Maple Leaf",
        "Atlas", "Falcon", "Meridian", "Crescent", "Lakeside", "Granite", "Sterling", "Westbrook", "Kingsway", "Riverstone",
    ];

    pub const COUNTRIES: &[Country] = &[
        Country { legal_forms: "Ltd|Limited|PLC", streets: "Baker Street|Oxford Street|High Street|King's Road|Victoria Street", mobile: ("+447", 9), tld: "co.uk" },
        Country { legal_forms: "Inc.|LLC|Corp.", streets: "Market Street|Main Street|Broadway|Mission Street|5th Avenue", mobile: ("+1", 10), tld: "com" },
        Country { legal_forms: "Pte. Ltd.", streets: "Orchard Road|Robinson Road|Cecil Street|Anson Road", mobile: ("+658", 7), tld: "com.sg" },
        Country { legal_forms: "Pty Ltd", streets: "George Street|Collins Street|Pitt Street|Bourke Street", mobile: ("+614", 8), tld: "com.au" },
        Country { legal_forms: "Inc.|Ltd", streets: "Bay Street|Yonge Street|Granville Street|King Street West", mobile: ("+1", 10), tld: "ca" },
    ];
    /// City abroad, index into COUNTRIES, landline prefix and the number of digits after it.
    pub const FOREIGN_CITIES: &[(&str, usize, &str, usize)] = &[
        ("London", 0, "+4420", 8), ("Manchester", 0, "+44161", 7), ("New York", 1, "+1212", 7), ("San Francisco", 1, "+1415", 7), ("Chicago", 1, "+1312", 7),
        ("Singapore", 2, "+656", 7), ("Sydney", 3, "+612", 8), ("Melbourne", 3, "+613", 8), ("Toronto", 4, "+1416", 7), ("Vancouver", 4, "+1604", 7),
    ];

    pub const MOBILE_PREFIXES: &[u16] = &[
        130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
        191, 193, 195, 198, 199,
    ];
    pub const CN_FREE_MAIL: &[(&str, u16)] = &[("qq.com", 35), ("163.com", 25), ("126.com", 10), ("sina.com", 6), ("foxmail.com", 6), ("139.com", 5), ("aliyun.com", 3), ("outlook.com", 5), ("gmail.com", 3), ("hotmail.com", 2)];
    pub const EN_FREE_MAIL: &[(&str, u16)] = &[("gmail.com", 40), ("outlook.com", 25), ("yahoo.com", 15), ("hotmail.com", 10), ("icloud.com", 10)];
    pub const ROLE_MAILBOXES: &[&str] = &["info", "sales", "contact", "service", "office", "hr"];
    pub const CN_TITLES: &[&str] = &[
        "总经理", "副总经理", "销售经理", "采购经理", "采购总监", "市场总监", "技术总监", "CTO", "CEO", "财务经理", "行政主管", "项目经理", "运营总监", "董事长", "人事经理", "产品经理", "工程师", "店长",
        "老板", "采购专员", "IT主管", "法务经理", "区域经理", "总监助理",
    ];
    pub const EN_TITLES: &[&str] = &[
        "Purchasing Manager", "Sales Director", "CEO", "CFO", "Operations Manager", "Head of Procurement", "IT Manager", "Founder", "Managing Director", "Office Manager", "Account Manager",
        "Product Manager", "Buyer",
    ];

    pub const SIZES: &[(&str, u16)] = &[("1-9", 20), ("10-49", 35), ("50-199", 25), ("200-999", 13), ("1000+", 7)];
    pub const STAGES: &[(&str, u16)] = &[("lead", 30), ("prospect", 25), ("customer", 28), ("loyal", 10), ("churned", 7)];
    pub const TIERS: &[(&str, u16)] = &[("high", 15), ("medium", 40), ("low", 30)];
    pub const CN_SOURCES: &[(&str, u16)] = &[("官网注册", 18), ("展会", 12), ("客户推荐", 16), ("电话营销", 10), ("百度推广", 10), ("微信", 14), ("抖音", 5), ("线下活动", 6), ("阿里巴巴", 5), ("地推", 4)];
    pub const EN_SOURCES: &[(&str, u16)] = &[("LinkedIn", 25), ("Website", 30), ("Referral", 20), ("Trade show", 12), ("Cold call", 8), ("Google Ads", 5)];
    pub const GENERAL_TAGS: &[&str] = &["待跟进", "已报价", "有意向", "价格敏感", "需要发票", "渠道商", "合作伙伴", "重点客户", "VIP", "老客户", "展会2026"];

    pub const CN_NOTES: &[&str] = &[
        "客户对价格比较敏感，需要多比较几家", "决策链较长，需要总部审批", "年底有采购预算", "之前使用竞品，合同快到期了", "老板亲自拍板，沟通效率高", "对售后响应速度要求高", "需要开增值税专用发票",
        "有意向做区域代理", "上次展会上交换过名片", "希望先小批量试用", "付款周期一般为60天", "客户所在园区有多家同类企业，可以重点开发",
    ];
    pub const EN_NOTES: &[&str] = &[
        "Price-sensitive, comparing three vendors", "Budget approved for next quarter", "Decision needs sign-off from headquarters", "Currently using a competitor, contract ends this year",
        "Prefers email over calls", "Interested in a distribution agreement", "Met at the trade show in Shanghai", "Wants a pilot before committing",
    ];
    /// Channel, weight, and the Chinese and English openings of its records.
    pub const CHANNELS: &[(&str, u16, &[&str], &[&str])] = &[
        ("call", 35, &["电话沟通了报价", "电话回访了使用情况", "和客户电话确认了采购需求", "电话介绍了新产品", "电话跟进上次的方案", "客户来电咨询售后问题"],
            &["Called to discuss pricing", "Follow-up call about the proposal", "Intro call with the purchasing team", "They called about a support issue"]),
        ("visit", 10, &["上门拜访了采购部门", "拜访客户并参观了工厂", "到客户公司做了产品演示", "陪同技术人员上门调试设备"], &["Visited their office", "On-site visit with our engineer", "Toured their warehouse"]),
        ("meeting", 10, &["线上会议演示了系统功能", "和客户管理层开会讨论合作方案", "参加了客户的招标答疑会", "视频会议确认了实施计划"],
            &["Video call to demo the platform", "Meeting with management about the rollout", "Kick-off meeting for the pilot"]),
        ("email", 15, &["邮件发送了报价单", "发送了产品资料和案例", "邮件回复了客户的技术问题", "发送了合同草稿"],
            &["Sent the revised quote", "Emailed the brochure and case studies", "Answered their technical questions by email"]),
        ("message", 20, &["微信沟通了交货时间", "微信发送了产品报价", "客户微信询问优惠政策", "短信提醒客户续费"],
            &["WhatsApp chat about delivery dates", "Sent pricing via LinkedIn message", "Texted to confirm the meeting"]),
        ("note", 10, &["客户近期预算紧张", "对方负责人已变更", "竞品报价比我们低约10%", "客户对售后服务比较满意"], &["Budget freeze until next quarter", "New procurement contact", "Competitor is about 10% cheaper"]),
    ];
    pub const CN_DETAILS: &[&str] = &[
        "客户希望下周安排演示", "客户需要内部讨论后再回复", "客户关心交付周期", "客户要求再优惠一些", "对方表示月底前确定", "需要补充资质文件", "客户比较满意", "暂时没有采购计划", "下个季度有新的预算", "希望先试用一个月",
    ];
    pub const EN_DETAILS: &[&str] = &["they want a demo next week", "waiting for internal approval", "asked for a better discount", "decision expected by month end", "happy with the samples", "no budget until next year"];
    pub const CN_NEXT: &[&str] = &["发送合同草稿", "安排产品演示", "电话回访", "发送报价单", "上门拜访", "确认付款进度", "寄送样品", "邀请参加展会", "跟进试用反馈", "提交技术方案"];
    pub const EN_NEXT: &[&str] = &["Send contract draft", "Schedule a demo", "Follow-up call", "Send pricing", "Visit on site", "Check payment status", "Ship samples"];
}
use data::*;

/// wyrand. `SmallRng` needs rand's `small_rng` feature, which the workspace
/// does not enable, and its algorithm may change between platforms and rand
/// releases; a data set named by its seed should not.
struct DemoRng(u64);

impl RngCore for DemoRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0) * u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl SeedableRng for DemoRng {
    type Seed = [u8; 8];
    fn from_seed(seed: [u8; 8]) -> Self {
        DemoRng(u64::from_le_bytes(seed))
    }
}

/// SplitMix64's finaliser: neighbouring indices must give unrelated streams.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn weighted_by<'a, T>(rng: &mut DemoRng, items: &'a [T], weight: impl Fn(&T) -> u16) -> &'a T {
    let total: u32 = items.iter().map(|x| u32::from(weight(x))).sum();
    let mut r = rng.gen_range(0..total);
    for x in items {
        let w = u32::from(weight(x));
        if r < w {
            return x;
        }
        r -= w;
    }
    &items[items.len() - 1]
}

fn weighted<T: Copy>(rng: &mut DemoRng, items: &[(T, u16)]) -> T {
    weighted_by(rng, items, |x| x.1).0
}

fn pick<T: Copy>(rng: &mut DemoRng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// One of "a|b|c", or of "a:1 b:2" with `sep` ' ': keeps word lists on one table row.
fn pick_alt(rng: &mut DemoRng, alts: &'static str, sep: char) -> &'static str {
    let n = alts.matches(sep).count() + 1;
    alts.split(sep).nth(rng.gen_range(0..n)).unwrap_or(alts)
}

/// Lower-cased letters, digits and dots: what O'Brien or Maple Leaf leave in an address.
fn push_lower(out: &mut String, s: &str) {
    let kept = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.');
    out.extend(kept.map(|c| c.to_ascii_lowercase()));
}

/// `n` random digits, the first in 2..=9 as local numbers never start with 0 or 1.
fn push_digits(rng: &mut DemoRng, out: &mut String, n: usize) {
    out.push(char::from(b'0' + rng.gen_range(2..=9u8)));
    for _ in 1..n {
        out.push(char::from(b'0' + rng.gen_range(0..=9u8)));
    }
}

/// The 8-digit tail is a 4-round Feistel network over 10^4 × 10^4 applied to the
/// slot: a bijection, so distinct slots below 10^8 never share a number, yet
/// consecutive customers get unrelated-looking ones.
fn mobile(seed: u64, slot: u64, rng: &mut DemoRng) -> String {
    let x = slot % 100_000_000;
    let (mut l, mut r) = (x / 10_000, x % 10_000);
    for round in 0..4u64 {
        (l, r) = (r, (l + mix(seed ^ (round << 56) ^ r) % 10_000) % 10_000);
    }
    format!("{}{l:04}{r:04}", pick(rng, MOBILE_PREFIXES))
}

struct Person {
    name: String,
    /// Pinyin or English, for email addresses.
    family: &'static str,
    given: [&'static str; 2],
    chinese: bool,
}

fn cn_person(rng: &mut DemoRng) -> Person {
    let sur = *weighted_by(rng, SURNAMES, |s| s.2);
    let gendered = when(rng.gen_bool(0.52), GIVEN_MALE, GIVEN_FEMALE);
    let given_char = |rng: &mut DemoRng| {
        let k = rng.gen_range(0..gendered.len() + GIVEN_NEUTRAL.len());
        *gendered
            .get(k)
            .unwrap_or_else(|| &GIVEN_NEUTRAL[k - gendered.len()])
    };
    let first = given_char(rng);
    let second = rng.gen_bool(0.78).then(|| given_char(rng));
    let mut name = String::with_capacity(12);
    name.extend([sur.0, first.0, second.map_or("", |s| s.0)]);
    let given = [first.1, second.map_or("", |s| s.1)];
    Person {
        name,
        family: sur.1,
        given,
        chinese: true,
    }
}

fn en_person(rng: &mut DemoRng) -> Person {
    let (first, last) = (pick(rng, EN_FIRST), pick(rng, EN_LAST));
    let name = format!("{first} {last}");
    Person {
        name,
        family: last,
        given: [first, ""],
        chinese: false,
    }
}

fn person(rng: &mut DemoRng, chinese: bool) -> Person {
    if chinese {
        cn_person(rng)
    } else {
        en_person(rng)
    }
}

fn initial(s: &str) -> &str {
    s.get(..1).unwrap_or("")
}

/// zhang.wei, zhangwei, wei.zhang, zw1988, zhangwei88; john.smith, jsmith, j.smith…
fn push_local(rng: &mut DemoRng, p: &Person, out: &mut String) {
    // Chinese mail addresses put the family name first, English ones the given name.
    let (a, b, c) = match p.chinese {
        true => (p.family, p.given[0], p.given[1]),
        false => (p.given[0], p.family, ""),
    };
    // A birth year or a lucky number, as people add when their name is taken.
    let (parts, number) = match (rng.gen_range(0..6), p.chinese) {
        (0 | 1, _) => ([a, ".", b, c], None),
        (2, _) => ([a, b, c, ""], None),
        (3, true) => ([b, c, ".", a], None),
        (3, false) => ([initial(a), b, "", ""], None),
        (4, true) => (
            [initial(a), initial(b), initial(c), ""],
            Some(rng.gen_range(1965..=2003)),
        ),
        (4, false) => ([initial(a), ".", b, ""], None),
        _ => ([a, b, c, ""], Some(rng.gen_range(10..100))),
    };
    parts.iter().for_each(|part| push_lower(out, part));
    if let Some(n) = number {
        let _ = write!(out, "{n}");
    }
}

fn work_email(rng: &mut DemoRng, p: &Person, domain: &str) -> String {
    let mut e = String::with_capacity(32);
    push_local(rng, p, &mut e);
    e.push('@');
    e.push_str(domain);
    e
}

/// Chinese personal mail is often a QQ number or the mobile number itself.
fn personal_email(rng: &mut DemoRng, p: &Person, mobile: Option<&str>) -> String {
    let mut e = String::with_capacity(32);
    match (p.chinese, rng.gen_range(0..10), mobile) {
        (true, 0 | 1, _) => {
            let len = rng.gen_range(6..=10);
            push_digits(rng, &mut e, len);
            e.push_str("@qq.com");
        }
        (true, 2, Some(m)) => {
            e.push_str(m);
            e.push_str(pick(rng, &["@163.com", "@163.com", "@139.com"]));
        }
        (chinese, _, _) => {
            push_local(rng, p, &mut e);
            e.push('@');
            e.push_str(weighted(rng, when(chinese, CN_FREE_MAIL, EN_FREE_MAIL)));
        }
    }
    e
}

/// Name, mail domain and industry of a company.
type Org = (String, String, &'static str);

/// Registered names are region + trade name + industry + legal form, the region
/// sometimes bracketed after the trade name; the forms dedupe has to see through.
fn cn_org(rng: &mut DemoRng, city: &City) -> Org {
    let &(industry, words, slug, _) = weighted_by(rng, INDUSTRIES, |x| x.3);
    let a = rng.gen_range(0..BRAND.len());
    let b = (a + rng.gen_range(1..BRAND.len())) % BRAND.len();
    let (brand, place) = (format!("{}{}", BRAND[a].0, BRAND[b].0), city.name);
    let word = pick_alt(rng, words, '|');
    let municipality = matches!(city.code / 100, 11 | 12 | 31 | 50);
    let shi = when(!municipality && rng.gen_bool(0.6), "市", "");
    let name = match rng.gen_range(0..100) {
        0..=44 => format!("{place}{shi}{brand}{word}有限公司"),
        45..=69 => format!("{brand}{word}（{place}）有限公司"),
        70..=79 => {
            let province = province_of(city).map_or(place, Province::short_name);
            format!("{province}{brand}{word}股份有限公司")
        }
        80..=87 => format!("{brand}{word}有限公司"),
        88..=93 => format!("{place}{brand}{word}有限责任公司"),
        94..=97 => format!("{place}{brand}集团有限公司"),
        _ => format!("{brand}{word}有限公司{place}分公司"),
    };
    let (pa, pb) = (BRAND[a].1, BRAND[b].1);
    let domain = match rng.gen_range(0..5) {
        0 | 1 => format!("{pa}{pb}.com"),
        2 => format!("{pa}{pb}.cn"),
        3 => format!("{pa}{pb}-{slug}.com"),
        _ => format!("{}{}{slug}.com.cn", initial(pa), initial(pb)),
    };
    (name, domain, industry)
}

/// `country` for firms abroad, `china_region` for foreign firms registered in China.
fn en_org(rng: &mut DemoRng, country: Option<&Country>, china_region: Option<&str>) -> Org {
    let (industry, words) = pick(rng, EN_INDUSTRIES);
    let (brand, word) = (pick(rng, EN_BRANDS), pick_alt(rng, words, '|'));
    let name = match (country, china_region) {
        (_, Some(region)) => format!("{brand} {word} ({region}) Co., Ltd."),
        (Some(c), None) => format!("{brand} {word} {}", pick_alt(rng, c.legal_forms, '|')),
        (None, None) => format!("{brand} {word} Co., Ltd."),
    };
    let mut domain = String::with_capacity(24);
    push_lower(&mut domain, brand);
    domain.push('.');
    domain.push_str(country.map_or("com", |c| c.tld));
    (name, domain, industry)
}

fn title(rng: &mut DemoRng, chinese: bool) -> String {
    pick(rng, if chinese { CN_TITLES } else { EN_TITLES }).to_owned()
}

/// A code registered with market regulation (91) in the given division.
fn uscc(rng: &mut DemoRng, division: u32) -> Option<String> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    // Codes issued since 2015 carry an "MA…" organisation code; older ones are digits.
    let modern = rng.gen_bool(0.6);
    let mut body = [0u8; 8];
    for (k, ch) in body.iter_mut().enumerate() {
        *ch = match (modern, k) {
            (true, 0) => b'M',
            (true, 1) => b'A',
            (true, _) => pick(rng, ALPHABET),
            (false, _) => b'0' + rng.gen_range(0..=9u8),
        };
    }
    // The embedded organisation code has its own GB 11714 check character.
    let values = body.map(|b| char::from(b).to_digit(36).unwrap_or(0));
    let sum: u32 = values.iter().zip(ORG_WEIGHTS).map(|(v, w)| v * w).sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    };
    let mut code = format!("91{division:06}");
    code.extend(body.iter().map(|&b| char::from(b)));
    code.push(org_check);
    code.push(check_char(&code)?);
    Some(code)
}

fn province_of(city: &City) -> Option<Province> {
    Province::from_code((city.code / 100) as u8)
}

fn cn_address(rng: &mut DemoRng, c: &mut DemoCustomer, city: &City, district: &str) {
    c.city = Some(format!("{}市", city.name));
    c.district = rng.gen_bool(0.85).then(|| district.to_owned());
    if rng.gen_bool(0.75) {
        let mut a = String::with_capacity(64);
        if c.district.is_some() && rng.gen_bool(0.6) {
            a.push_str(district);
        }
        a.push_str(pick(rng, STREETS));
        // Some people type the number with spaces around it: 科技园路 88 号.
        let sp = if rng.gen_bool(0.15) { " " } else { "" };
        let _ = write!(a, "{sp}{}{sp}号", rng.gen_range(1..=999));
        let _ = match rng.gen_range(0..10) {
            0..=3 => Ok(()),
            4..=6 => write!(a, "{}{}楼", pick(rng, BUILDINGS), rng.gen_range(2..=32)),
            _ => write!(
                a,
                "{}栋{}室",
                rng.gen_range(1..=12),
                rng.gen_range(101..=2820)
            ),
        };
        c.address = Some(a);
    }
    if rng.gen_bool(0.4) {
        c.postal_code = Some(format!("{:06}", city.postal * 1000 + rng.gen_range(0..200)));
    }
}

fn tags(rng: &mut DemoRng, c: &DemoCustomer, region_tag: &'static str) -> Vec<&'static str> {
    let want = weighted(rng, &[(0usize, 35), (1, 35), (2, 20), (3, 10)]);
    let vip = when(rng.gen_bool(0.5), "VIP", "重点客户");
    let contextual = [
        (c.value_tier == Some("high"), vip),
        (c.stage == "loyal", "老客户"),
        (c.source == Some("展会"), "展会2026"),
        (rng.gen_bool(0.4), region_tag),
    ];
    let mut tags = Vec::with_capacity(want);
    for (when, tag) in contextual {
        if when && tags.len() < want && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    while tags.len() < want {
        let t = pick(rng, GENERAL_TAGS);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

fn maybe<T>(rng: &mut DemoRng, p: f64, f: impl FnOnce(&mut DemoRng) -> T) -> Option<T> {
    rng.gen_bool(p).then(|| f(rng))
}

/// A two-way choice on one line, where rustfmt would spread an `if` over five.
fn when<T>(cond: bool, then: T, otherwise: T) -> T {
    if cond {
        then
    } else {
        otherwise
    }
}

fn interactions(rng: &mut DemoRng, created_days_ago: u32, english: bool) -> Vec<DemoInteraction> {
    let n = weighted(rng, &[(0usize, 25), (1, 30), (2, 25), (3, 20)]);
    let mut days = [0u32; 3];
    days[..n].fill_with(|| rng.gen_range(0..=created_days_ago));
    days[..n].sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::with_capacity(n);
    for &days_ago in &days[..n] {
        let &(channel, _, cn, en) = weighted_by(rng, CHANNELS, |c| c.1);
        let mut content = pick(rng, when(english, en, cn)).to_owned();
        if channel != "note" && rng.gen_bool(0.6) {
            content.push_str(when(english, "; ", "，"));
            content.push_str(pick(rng, when(english, EN_DETAILS, CN_DETAILS)));
        }
        // Only recent records still have an open next step, due no earlier than the record itself.
        let open = days_ago <= 45 && rng.gen_bool(0.6);
        let next_step = open.then(|| pick(rng, when(english, EN_NEXT, CN_NEXT)).to_owned());
        let next_step_in_days = open.then(|| rng.gen_range((-(days_ago as i32)).max(-10)..=30));
        out.push(DemoInteraction {
            channel,
            content,
            days_ago,
            next_step,
            next_step_in_days,
        });
    }
    out
}

/// The i-th customer of the data set with this seed: the same (seed, i)
/// always gives the same customer, so generation can be split across threads
/// and resumed.
pub fn customer(seed: u64, i: u64) -> DemoCustomer {
    let rng = &mut DemoRng::seed_from_u64(mix(seed ^ mix(i ^ 0x6b65_6875)));
    let english = rng.gen_bool(0.15);
    let is_company = rng.gen_bool(if english { 0.4 } else { 0.35 });
    // English-market customers are mostly abroad; the rest are foreign firms in China.
    let abroad = english && rng.gen_bool(0.75);
    // Half the book is from the last year: CRMs fill up faster than they age.
    let oldest = if rng.gen_bool(0.5) { 1095 } else { 365 };
    let created_days_ago = rng.gen_range(0..=oldest);
    let kind = if is_company { "company" } else { "individual" };
    let mut c = DemoCustomer {
        kind,
        created_days_ago,
        ..DemoCustomer::default()
    };
    // Slots 4i..4i+3, for the customer and up to three contacts, keep mobiles distinct
    // across the first 25 million customers.
    let slot = i.wrapping_mul(4);

    let city = weighted_by(rng, CITIES, |c| c.weight);
    let province = province_of(city);
    let district = pick_alt(rng, city.districts, ' ');
    let (district, code) = district.split_once(':').unwrap_or((district, "00"));
    let division = city.code * 100 + code.parse::<u32>().unwrap_or(0);
    let (foreign_city, country_index, landline_prefix, landline_digits) = pick(rng, FOREIGN_CITIES);
    let country = &COUNTRIES[country_index];
    if abroad && rng.gen_bool(0.9) {
        c.city = Some(foreign_city.to_owned());
        if rng.gen_bool(0.7) {
            let b = if rng.gen_bool(0.1) { "B" } else { "" };
            let street = pick_alt(rng, country.streets, '|');
            c.address = Some(format!("{}{b} {street}", rng.gen_range(1..400)));
        }
    } else if !abroad && rng.gen_bool(if is_company { 0.95 } else { 0.8 }) {
        c.province = province.map(Province::name);
        cn_address(rng, &mut c, city, district);
    }

    let (org_name, domain, industry) = match english {
        true if abroad => en_org(rng, Some(country), None),
        true => en_org(rng, None, province.map(Province::english_name)),
        false => cn_org(rng, city),
    };
    let landline = |rng: &mut DemoRng| {
        let mut p = String::with_capacity(20);
        p.push_str(if abroad { landline_prefix } else { city.area });
        if abroad {
            push_digits(rng, &mut p, landline_digits);
        } else {
            p.push('-');
            push_digits(rng, &mut p, 8);
            if rng.gen_bool(0.2) {
                let len = rng.gen_range(3..=4);
                p.push('-');
                push_digits(rng, &mut p, len);
            }
        }
        p
    };
    let chinese_people = !abroad && (!english || rng.gen_bool(0.5));

    if is_company {
        c.name = org_name;
        c.industry = Some(industry);
        c.company_size = rng.gen_bool(0.8).then(|| weighted(rng, SIZES));
        c.uscc = maybe(rng, when(abroad, 0.0, 0.68), |r| uscc(r, division)).flatten();
        c.mobile = maybe(rng, when(abroad, 0.0, 0.92), |r| mobile(seed, slot, r));
        c.phone = maybe(rng, 0.7, landline);
        let mailbox = pick(rng, ROLE_MAILBOXES);
        c.email = maybe(rng, 0.55, |_| format!("{mailbox}@{domain}"));
        for k in 1..=rng.gen_range(1..=3u64) {
            let p = person(rng, chinese_people);
            c.contacts.push(DemoContact {
                title: maybe(rng, 0.85, |r| title(r, p.chinese)),
                mobile: maybe(rng, when(abroad, 0.0, 0.9), |r| mobile(seed, slot + k, r)),
                email: maybe(rng, when(abroad, 0.9, 0.6), |r| work_email(r, &p, &domain)),
                name: p.name,
            });
        }
    } else {
        let p = person(rng, chinese_people);
        if rng.gen_bool(0.7) {
            c.company = Some(org_name);
            c.industry = rng.gen_bool(0.5).then_some(industry);
            c.title = maybe(rng, 0.75, |r| title(r, p.chinese));
        }
        c.mobile = maybe(rng, when(abroad, 0.05, 0.97), |r| mobile(seed, slot, r));
        c.phone = if abroad && rng.gen_bool(0.9) {
            let mut ph = String::from(country.mobile.0);
            push_digits(rng, &mut ph, country.mobile.1);
            Some(ph)
        } else {
            (c.company.is_some() && rng.gen_bool(0.15)).then(|| landline(rng))
        };
        if rng.gen_bool(0.65) {
            let at_work = c.company.is_some() && rng.gen_bool(0.4);
            c.email = Some(match at_work {
                true => work_email(rng, &p, &domain),
                false => personal_email(rng, &p, c.mobile.as_deref()),
            });
        }
        c.name = p.name;
    }

    c.stage = match weighted(rng, STAGES) {
        // Nobody is loyal or lost within weeks of first contact.
        "loyal" | "churned" if created_days_ago < 90 => "prospect",
        s => s,
    };
    c.source = maybe(rng, 0.9, |r| {
        weighted(r, when(english, EN_SOURCES, CN_SOURCES))
    });
    let big = matches!(c.company_size, Some("200-999" | "1000+"));
    c.value_tier = match big && rng.gen_bool(0.4) {
        true => Some("high"),
        false => rng.gen_bool(0.85).then(|| weighted(rng, TIERS)),
    };
    if rng.gen_bool(0.3) {
        let notes = if english { EN_NOTES } else { CN_NOTES };
        let mut n = pick(rng, notes).to_owned();
        if rng.gen_bool(0.3) {
            n.push_str(if english { ". " } else { "；" });
            n.push_str(pick(rng, notes));
        }
        c.notes = Some(n);
    }
    let region_tag = match city.code / 100 {
        _ if abroad => "海外",
        11..=15 => "华北区",
        21..=23 => "东北区",
        31..=37 => "华东区",
        41..=43 => "华中区",
        44..=46 => "华南区",
        50..=54 => "西南区",
        _ => "西北区",
    };
    c.tags = tags(rng, &c, region_tag);
    c.interactions = interactions(rng, created_days_ago, english);
    c
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use kehu_core::email::Email;
    use kehu_core::phone::{Mobile, Phone};
    use kehu_core::region::PostalCode;
    use kehu_core::schema;
    use kehu_core::uscc::Uscc;

    use super::*;

    const N: u64 = 10_000;

    fn valid(value: &Option<String>, ok: impl Fn(&str) -> bool) -> bool {
        value.as_deref().is_none_or(ok)
    }
    fn one_of(value: Option<&str>, allowed: &[&str]) -> bool {
        value.is_none_or(|v| allowed.contains(&v))
    }
    fn mobile_ok(m: &str) -> bool {
        Mobile::parse(m).is_ok_and(|p| p.as_str() == m)
    }
    fn email_ok(e: &str) -> bool {
        Email::parse(e).is_ok() && e == e.to_lowercase()
    }

    #[test]
    fn same_seed_and_index_give_the_same_customer() {
        for i in [0, 1, 7, 123_456, u64::MAX] {
            let (a, b) = (customer(42, i), customer(42, i));
            assert_eq!((&a.name, &a.mobile), (&b.name, &b.mobile));
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        let differ = (0..100).filter(|&i| customer(1, i).name != customer(2, i).name);
        assert!(differ.count() > 80, "the seed barely matters");
    }

    #[test]
    fn every_value_passes_the_entry_rules() {
        for i in 0..N {
            let c = customer(7, i);
            let uscc_ok =
                |u: &str| c.kind == "company" && Uscc::parse(u).is_ok_and(|p| p.as_str() == u);
            let province_ok = |p: &str| Province::parse(p).is_ok_and(|q| q.name() == p);
            assert!(
                valid(&c.mobile, mobile_ok) && valid(&c.email, email_ok),
                "{c:?}"
            );
            assert!(
                valid(&c.uscc, uscc_ok) && c.province.is_none_or(province_ok),
                "{c:?}"
            );
            assert!(valid(&c.phone, |p| Phone::parse(p).is_ok()), "{c:?}");
            assert!(
                valid(&c.postal_code, |p| PostalCode::parse(p).is_ok()),
                "{c:?}"
            );
            assert!(valid(&c.city, |s| s.chars().count() <= 50) && !c.name.is_empty());
            assert!(
                one_of(Some(c.kind), schema::CUSTOMER_KINDS)
                    && one_of(Some(c.stage), schema::STAGES)
            );
            assert!(
                one_of(c.company_size, schema::COMPANY_SIZES)
                    && one_of(c.value_tier, schema::VALUE_TIERS)
            );
            assert!(c.created_days_ago <= 1095 && c.tags.len() <= 3);
            assert_eq!(c.tags.iter().collect::<HashSet<_>>().len(), c.tags.len());
            match c.kind {
                "company" => assert!((1..=3).contains(&c.contacts.len()) && c.company.is_none()),
                _ => assert!(c.contacts.is_empty()),
            }
            for k in &c.contacts {
                assert!(
                    valid(&k.mobile, mobile_ok) && valid(&k.email, email_ok),
                    "{k:?}"
                );
            }
            assert!(c.interactions.len() <= 3);
            for n in &c.interactions {
                assert!(one_of(Some(n.channel), schema::CHANNELS) && !n.content.is_empty());
                assert!(n.days_ago <= c.created_days_ago);
                assert_eq!(n.next_step.is_some(), n.next_step_in_days.is_some());
                let due_ok = |d: i32| (-10..=30).contains(&d) && d >= -(n.days_ago as i32);
                assert!(n.next_step_in_days.is_none_or(due_ok), "{n:?}");
            }
        }
    }

    #[test]
    fn the_mix_is_realistic_and_mobiles_are_unique() {
        let (mut companies, mut english, mut with_mobile, mut qq) = (0, 0, 0, 0);
        let mut mobiles = HashSet::new();
        let mut collisions = 0;
        for i in 0..N {
            let c = customer(3, i);
            companies += usize::from(c.kind == "company");
            english += usize::from(c.name.is_ascii());
            with_mobile += usize::from(c.mobile.is_some());
            let contacts = c.contacts.iter().filter_map(|k| k.mobile.as_ref());
            for m in c.mobile.iter().chain(contacts) {
                collisions += usize::from(!mobiles.insert(m.clone()));
            }
            let email = c.email.as_deref().unwrap_or("");
            let chinese_mail = email.ends_with("@qq.com") || email.ends_with("@163.com");
            assert!(!(c.name.is_ascii() && chinese_mail), "{c:?}");
            qq += usize::from(chinese_mail);
        }
        let share = |n: usize| n as f64 / N as f64;
        assert!(
            (0.2..=0.6).contains(&share(companies)),
            "companies {companies}"
        );
        assert!(
            (0.1..=0.2).contains(&share(english)),
            "English-market {english}"
        );
        assert!(
            (0.75..=0.92).contains(&share(with_mobile)),
            "with a mobile {with_mobile}"
        );
        assert!(share(qq) > 0.1, "QQ and 163 mail {qq}");
        assert!(share(collisions) < 0.01, "collisions {collisions}");
    }

    #[test]
    fn tables_are_consistent() {
        for c in CITIES {
            assert!(province_of(c).is_some(), "{}", c.name);
            let ok = |d: &str| {
                d.split_once(':')
                    .is_some_and(|(_, n)| n.len() == 2 && n.parse::<u8>().is_ok())
            };
            assert!(c.districts.split(' ').all(ok), "{}", c.name);
        }
        for (c, py) in [GIVEN_MALE, GIVEN_FEMALE, GIVEN_NEUTRAL, BRAND].concat() {
            assert!(
                c.chars().count() == 1 && py.bytes().all(|b| b.is_ascii_lowercase()),
                "{c}"
            );
        }
        let provinces: HashSet<u32> = CITIES.iter().map(|c| c.code / 100).collect();
        assert_eq!(provinces.len(), 31, "every mainland province has a city");
    }

    /// `cargo test --release -- --ignored --nocapture a_million`
    #[test]
    #[ignore = "timing; run in release mode"]
    fn a_million_customers_generate_quickly() {
        let start = std::time::Instant::now();
        let bytes: usize = (0..1_000_000).map(|i| customer(2026, i).name.len()).sum();
        println!(
            "1,000,000 customers in {:?} ({bytes} name bytes)",
            start.elapsed()
        );
        let mut mobiles = HashSet::with_capacity(1_000_000);
        let all = (0..1_000_000).filter_map(|i| customer(2026, i).mobile);
        let collisions = all.filter(|m| !mobiles.insert(m.clone())).count();
        println!("{} mobiles, {collisions} collisions", mobiles.len());
    }
}
