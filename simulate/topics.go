package simulate

// Target classes: the kinds of reported party, each with its industries (GB/T 4754).
const (
	clsConstruction = iota
	clsCatering
	clsEntertainment
	clsChemical // wet processes: chemicals, dyeing, plating, paper, food, pharmaceuticals
	clsCoating  // plastics, furniture, rubber, machinery: VOCs and noise
	clsMinerals // cement, concrete, ceramics, stone, steel, casting: dust
	clsLivestock
	clsWaste
	clsUtility
	clsMining
	clsTelecom
	numClasses
)

// industry is one industry of a class: its GB/T 4754 name, the tails of company names, and
// the second character of the credit code (1 enterprise, 2 individual business, 3 farmers'
// cooperative).
type industry struct {
	name    string
	tails   []string
	orgType byte
}

var classIndustries = [numClasses][]industry{
	clsConstruction: {
		{"建筑业", []string{"建设工程有限公司", "建筑工程有限公司", "建设集团有限公司", "市政工程有限公司"}, '1'},
		{"房地产业", []string{"置业有限公司", "房地产开发有限公司"}, '1'},
	},
	clsCatering: {
		{"住宿和餐饮业", []string{"餐饮管理有限公司", "大酒店有限公司", "酒楼", "烧烤店", "火锅店", "大排档", "小吃店"}, '2'},
	},
	clsEntertainment: {
		{"文化、体育和娱乐业", []string{"KTV", "娱乐有限公司", "酒吧", "量贩式KTV", "文化传媒有限公司"}, '1'},
	},
	clsChemical: {
		{"化学原料和化学制品制造业", []string{"化工有限公司", "精细化工有限公司", "新材料科技有限公司"}, '1'},
		{"纺织业", []string{"印染有限公司", "纺织印染有限公司"}, '1'},
		{"金属制品业", []string{"电镀有限公司", "表面处理有限公司"}, '1'},
		{"造纸和纸制品业", []string{"纸业有限公司"}, '1'},
		{"农副食品加工业", []string{"食品有限公司", "淀粉有限公司", "屠宰有限公司"}, '1'},
		{"医药制造业", []string{"制药有限公司", "生物科技有限公司"}, '1'},
		{"皮革、毛皮、羽毛及其制品和制鞋业", []string{"皮革有限公司", "制革厂"}, '1'},
	},
	clsCoating: {
		{"橡胶和塑料制品业", []string{"塑料制品有限公司", "橡胶制品有限公司", "塑胶有限公司"}, '1'},
		{"家具制造业", []string{"家具有限公司", "木业有限公司"}, '1'},
		{"通用设备制造业", []string{"机械有限公司", "机械制造有限公司"}, '1'},
		{"汽车制造业", []string{"汽车配件有限公司", "汽车零部件有限公司"}, '1'},
		{"金属制品业", []string{"金属制品有限公司", "五金制品有限公司", "钢构有限公司"}, '1'},
	},
	clsMinerals: {
		{"非金属矿物制品业", []string{"建材有限公司", "水泥有限公司", "陶瓷有限公司", "混凝土有限公司", "石材有限公司"}, '1'},
		{"黑色金属冶炼和压延加工业", []string{"钢铁有限公司", "特钢有限公司"}, '1'},
		{"金属制品业", []string{"铸造有限公司", "铸件厂"}, '1'},
	},
	clsLivestock: {
		{"畜牧业", []string{"生猪养殖场", "养殖专业合作社", "牧业有限公司", "养殖场", "畜禽养殖有限公司"}, '3'},
	},
	clsWaste: {
		{"废弃资源综合利用业", []string{"再生资源回收有限公司", "再生资源有限公司", "废旧物资回收站"}, '1'},
		{"生态保护和环境治理业", []string{"环保科技有限公司", "环境服务有限公司"}, '1'},
	},
	clsUtility: {
		{"水的生产和供应业", []string{"污水处理有限公司", "水务有限公司", "水质净化有限公司"}, '1'},
		{"公共设施管理业", []string{"环境卫生服务有限公司", "城市建设投资有限公司"}, '1'},
	},
	clsMining: {
		{"非金属矿采选业", []string{"砂石有限公司", "矿业有限公司", "石料厂", "采石场"}, '1'},
	},
	clsTelecom: {
		{"电信、广播电视和卫星传输服务", []string{"通信工程有限公司", "通信技术有限公司", "铁塔服务有限公司"}, '1'},
	},
}

// classShare approximates the share of reports that name a party of each class; it sizes the
// per-county pools so that a company gets about two reports a year unless it is injected.
var classShare = [numClasses]float64{0.14, 0.12, 0.04, 0.08, 0.06, 0.05, 0.03, 0.02, 0.02, 0.01, 0.01}

// topic is one subcategory: how it is written about and whom it names.
type topic struct {
	cat      int
	sub      string  // subcategory as the bulletins name it
	weight   float64 // share within the category
	night    float64 // share of its reports that follow the night profile
	targetP  float64 // probability that a report names a party
	classes  []int   // classes of the party
	extra    []int   // categories often reported with it (the categories array)
	short    string  // the problem in a few words, for summaries
	titles   []string
	problems []string
	impacts  []string
}

// Placeholders in templates: {T} target, {P} road, {E} housing estate, {V} village, {R} a water
// body, {A} an address, {K} a count, {S} the problem in short, {F} a fine, {M} a phone number,
// {N} a name. A problem may carry its own title before a "|"; titles fit every problem of the
// topic.
var topics = []topic{
	// noise
	{catNoise, "建设施工噪声", 0.40, 0.5, 0.8, []int{clsConstruction}, []int{catAir}, "夜间违规施工",
		[]string{"{P}工地夜间施工噪声扰民", "{E}旁工地噪声严重影响休息", "反映{T}违规施工扰民", "投诉{T}施工噪声"},
		[]string{
			"工地凌晨仍在打桩施工|附近工地每天晚上十点以后仍在施工，打桩机、混凝土泵车的声音非常大",
			"{T}深夜浇筑混凝土噪声扰民|{T}的工地夜间连续浇筑混凝土，机器轰鸣一直持续到凌晨两三点",
			"渣土车夜间进出噪声扰民|工地渣土车夜间频繁进出，鸣笛声和装卸声不断",
			"工地清晨施工噪声扰民|工地切割钢筋、敲击模板的噪声从早上六点就开始，中午也不休息",
			"{T}无夜间施工许可违规作业|{T}的工地没有办理夜间施工许可，晚上灯火通明地作业，电锯声刺耳",
		},
		[]string{"小区居民无法正常休息，家里老人和孩子晚上经常被吵醒", "严重影响周边居民睡眠，很多人第二天无法正常上班", "附近学校的学生无法安心学习，考试前也不停工"}},
	{catNoise, "社会生活噪声", 0.35, 0.65, 0.45, []int{clsCatering, clsEntertainment}, nil, "经营活动噪声扰民",
		[]string{"反映{P}噪声扰民问题", "{E}附近噪声扰民", "夜间噪声严重影响休息"},
		[]string{
			"楼下{T}深夜营业噪声大|楼下的{T}每天营业到凌晨，客人喧哗、音乐声很大",
			"{P}广场舞音响声音过大|{P}的广场每天晚上有人跳广场舞，音响开得很大，一直持续到晚上十点以后",
			"反映{P}商铺高音喇叭噪声|临街商铺用高音喇叭循环播放促销广告，从早到晚不停",
			"{T}空调外机噪声扰民|{T}的空调外机和排风机二十四小时运转，噪声和震动传到楼上住户家中",
			"{T}驻唱噪声扰民|附近的{T}每晚有驻唱，低音炮震得窗户都在响",
		},
		[]string{"整栋楼的住户晚上都睡不好觉", "家里有备考的学生和老人，实在无法忍受", "严重影响周边居民的正常生活和休息"}},
	{catNoise, "工业噪声", 0.15, 0.4, 0.9, []int{clsCoating, clsMinerals}, []int{catAir}, "厂界噪声超标",
		[]string{"{T}生产噪声扰民", "{P}附近工厂机器轰鸣"},
		[]string{
			"{T}车间昼夜生产噪声扰民|{T}车间的机器昼夜不停运转，冲压、切割的声音很大",
			"反映{T}夜间生产噪声大|{T}夜间加班生产，风机和空压机的噪声传得很远",
			"{T}冷却塔噪声严重|{T}的冷却塔和鼓风机长时间运转，低频噪声让人心烦意乱",
		},
		[]string{"离最近的居民楼不到一百米，晚上根本睡不着", "严重影响周边居民的正常生活和休息"}},
	{catNoise, "交通噪声", 0.10, 0.45, 0, []int{clsConstruction}, nil, "交通噪声扰民",
		[]string{"{P}交通噪声扰民"},
		[]string{
			"反映{P}夜间货车鸣笛扰民|{P}每天夜里有大量货车经过，鸣笛声、刹车声不断",
			"{P}高架桥车辆噪声严重|新建的高架桥没有安装隔音屏，车辆噪声直接传进卧室",
			"铁路列车噪声扰民|附近铁路列车经过时噪声很大，夜间也不停",
		},
		[]string{"临街住户晚上无法入睡", "严重影响周边居民的正常生活和休息"}},

	// air
	{catAir, "恶臭/异味", 0.25, 0.1, 0.7, []int{clsChemical, clsWaste}, nil, "排放恶臭气体",
		[]string{"{P}附近有刺鼻气味", "{E}一带夜间有浓烈异味"},
		[]string{
			"附近化学气味刺鼻|附近经常飘来一股刺鼻的化学气味，像烂鸡蛋又像油漆味，晚上尤其明显",
			"反映{T}排放恶臭气体|{T}排放的废气有很重的臭味，风向一变整个小区都能闻到",
			"{T}疑似偷排废气|每天傍晚开始有一股焦糊味，怀疑是{T}在偷偷排放",
		},
		[]string{"晚上不敢开窗，家里老人孩子出现咳嗽、头晕等症状", "居民出门都要戴口罩", "严重影响周边群众的身体健康"}},
	{catAir, "恶臭/异味", 0.10, 0.05, 0.8, []int{clsLivestock}, []int{catWater}, "养殖臭气扰民",
		[]string{"{V}附近空气中有怪味", "反映{T}臭味扰民"},
		[]string{
			"{T}粪污臭味扰民|{T}的粪污臭味非常大，天热时更严重，苍蝇成群",
			"养殖场臭气熏天|附近养殖场的粪便露天堆放，臭气熏天，全村都能闻到",
		},
		[]string{"村民吃饭都要关门关窗", "严重影响村民的正常生活"}},
	{catAir, "烟粉尘", 0.12, 0.05, 0.7, []int{clsConstruction}, []int{catNoise}, "施工扬尘污染",
		[]string{"{P}工地扬尘严重", "{E}附近扬尘污染"},
		[]string{
			"工地裸土未覆盖扬尘大|工地裸土没有覆盖，也不洒水，一刮风满天灰尘",
			"{T}工地渣土运输扬尘|{T}工地的渣土车不冲洗就上路，沿路撒漏，车一过尘土飞扬",
		},
		[]string{"附近居民不敢开窗晾衣服", "路过的行人都要捂着口鼻"}},
	{catAir, "烟粉尘", 0.13, 0.05, 0.85, []int{clsMinerals, clsMining}, []int{catNoise}, "粉尘无组织排放",
		[]string{"{T}粉尘污染", "{P}附近粉尘污染严重"},
		[]string{
			"反映{T}烟囱冒黑烟|{T}的烟囱经常冒黑烟，周边的车辆和晾晒的衣服上都是黑灰",
			"{T}堆场未覆盖扬尘大|{T}露天堆放砂石，装卸时粉尘弥漫，附近窗户都不敢开",
			"{T}粉尘扰民|{T}的粉尘飘到小区里，阳台上每天都积一层灰",
		},
		[]string{"附近居民不敢开窗晾衣服", "很多人出现咽喉不适、咳嗽"}},
	{catAir, "工业废气", 0.25, 0.15, 0.95, []int{clsChemical, clsCoating, clsMinerals}, []int{catNoise, catWater}, "超标排放废气",
		[]string{"{P}工厂废气污染严重", "反映{T}废气污染"},
		[]string{
			"{T}夜间偷排废气|{T}白天正常，一到夜间就偷排废气，烟囱冒出黄色的烟",
			"反映{T}废气处理设施不运行|{T}的废气处理设施形同虚设，经常不开，车间废气直接排放",
			"{T}喷漆废气扰民|{T}的喷涂车间没有密闭，油漆味很重",
			"{T}排放白烟气味刺鼻|{T}生产时排放大量白烟，气味刺鼻，附近居民出现咳嗽、喉咙痛的症状",
		},
		[]string{"周边几个小区都深受其害", "晚上根本不敢开窗", "担心长期吸入会影响身体健康"}},
	{catAir, "餐饮油烟", 0.15, 0.2, 0.9, []int{clsCatering}, []int{catNoise}, "餐饮油烟未经处理直排",
		[]string{"{T}油烟扰民", "反映{P}餐饮油烟污染"},
		[]string{
			"楼下{T}油烟直排|楼下的{T}没有安装油烟净化器，油烟直接从排气扇排出，熏得楼上住户不能开窗",
			"反映{P}烧烤油烟污染|{T}在店门口露天烧烤，烟雾弥漫",
			"{T}排烟管道正对居民窗户|{T}的排烟管道正对居民楼窗户，每天中午和晚上油烟很大",
		},
		[]string{"家里墙面和窗户上都是油污", "楼上住户苦不堪言", "天热时也无法开窗通风"}},

	// water
	{catWater, "工业废水", 0.50, 0.1, 0.85, []int{clsChemical, clsMinerals}, []int{catAir}, "违法排放废水",
		[]string{"{R}水体发黑发臭", "反映{T}废水污染{R}"},
		[]string{
			"{T}偷排废水|{T}通过雨水管道向{R}偷排生产废水，排口附近的水呈黑色并有刺鼻气味",
			"{R}河水发红发黄|{R}的水颜色发红发黄，上游就是{T}",
			"反映{T}私设暗管排污|{T}私设暗管，夜间把未经处理的废水直接排进{R}",
			"{R}水面漂浮白色泡沫|{R}近期经常出现死鱼，河面漂着白色泡沫，怀疑是{T}排放废水导致",
		},
		[]string{"下游村民的农田灌溉受到影响", "河里的鱼虾几乎绝迹", "附近居民担心饮用水安全"}},
	{catWater, "生活污水", 0.35, 0.05, 0.35, []int{clsUtility}, []int{catSolid}, "生活污水直排",
		[]string{"{R}黑臭", "反映{P}生活污水问题"},
		[]string{
			"{P}生活污水直排{R}|{P}的生活污水管道堵塞破损，污水直接流进{R}",
			"{R}常年黑臭|{R}常年黑臭，天热时臭味更重，蚊虫很多",
			"{T}污水溢流|{T}处理能力不足，下雨天污水溢流到{R}",
			"反映{E}化粪池满溢|{E}的化粪池满溢，污水顺着路面流淌",
		},
		[]string{"周边居民深受其扰", "孩子上学都要绕道走", "严重影响周边环境卫生"}},
	{catWater, "畜禽养殖废水", 0.15, 0.05, 0.9, []int{clsLivestock}, []int{catAir}, "养殖废水未经处理直排",
		[]string{"反映{V}养殖污染", "{T}粪污乱排"},
		[]string{
			"{T}养殖废水直排|{T}的养殖粪污未经处理，直接排进旁边的沟渠，流到{R}",
			"反映{V}养猪场粪水污染农田|养猪场的粪水渗到农田里，庄稼都被烧死了",
			"{T}沼液池外溢|{T}的沼液池满了往外溢，臭味很大，附近水井的水都变味了",
		},
		[]string{"全村人的饮水安全受到威胁", "下游的鱼塘都受到影响", "臭味熏得人头疼"}},

	// solid waste
	{catSolid, "工业固体废物", 0.30, 0.1, 0.8, []int{clsChemical, clsMinerals, clsWaste}, []int{catSoil}, "违规处置工业固体废物",
		[]string{"{V}附近堆放大量工业废渣", "反映{T}固体废物污染"},
		[]string{
			"{T}随意倾倒工业废渣|{T}把生产废渣拉到{V}附近的空地上倾倒，堆得像小山一样",
			"反映{T}废料露天堆放|{T}的边角废料露天堆放，没有任何防雨防渗措施",
		},
		[]string{"下雨后废渣里的污水流到农田里", "担心污染地下水"}},
	{catSolid, "危险废物", 0.20, 0.3, 0.7, []int{clsChemical, clsWaste}, []int{catSoil, catWater}, "非法处置危险废物",
		[]string{"{V}发现大量废弃化学品桶", "反映危险废物非法倾倒"},
		[]string{
			"反映{V}有人倾倒废油桶|有车辆夜间往{V}附近倾倒装有废矿物油的铁桶，气味很大",
			"{T}非法处置危险废物|{T}把废酸液、废机油混在生活垃圾里处理",
			"{V}荒地堆放不明化学品桶|{V}的荒地上堆放了几十个不明化学品桶，有液体渗出",
		},
		[]string{"担心污染土壤和地下水", "附近村民非常担心"}},
	{catSolid, "建筑垃圾", 0.30, 0.4, 0.6, []int{clsConstruction}, []int{catAir}, "违规倾倒建筑垃圾",
		[]string{"{P}建筑垃圾乱倒", "反映建筑垃圾乱堆乱倒"},
		[]string{
			"渣土车夜间偷倒建筑垃圾|有渣土车夜间往{P}旁的荒地和{R}边倾倒建筑垃圾",
			"{T}建筑垃圾长期不清运|{T}的工地把建筑垃圾随意堆放在路边，一直没有清运",
		},
		[]string{"扬尘很大，还堵塞了排水沟", "严重影响市容环境"}},
	{catSolid, "生活垃圾", 0.20, 0.05, 0.3, []int{clsUtility}, []int{catAir, catWater}, "生活垃圾处置不当",
		[]string{"{P}垃圾堆积发臭", "反映生活垃圾污染"},
		[]string{
			"{V}垃圾长期无人清运|{V}的垃圾长时间没人清运，堆积发臭，污水横流",
			"垃圾填埋场渗滤液外流|附近的垃圾填埋场渗滤液外流，臭味很大",
			"反映垃圾中转站臭味扰民|{T}的垃圾中转站就在居民楼旁边，臭气熏天",
		},
		[]string{"蚊蝇滋生", "严重影响周边居民生活"}},

	// ecology
	{catEcology, "非法采砂", 0.35, 0.3, 0.6, []int{clsMining}, []int{catWater}, "非法采砂",
		[]string{"{R}有人非法采砂", "{R}河道被挖得面目全非"},
		[]string{
			"{R}采砂船日夜作业|{R}上有采砂船日夜作业，河床被挖得坑坑洼洼，河岸坍塌",
			"反映{T}在{R}违规采砂|{T}在{R}河道内违规采砂，河水变得非常浑浊",
		},
		[]string{"河堤安全受到威胁", "鱼类栖息地遭到破坏"}},
	{catEcology, "破坏植被", 0.35, 0.1, 0.7, []int{clsMining}, []int{catAir}, "破坏林地植被",
		[]string{"{V}山体被非法开挖", "{V}大片林地被毁"},
		[]string{
			"反映{T}毁林开矿|{T}在{V}附近的山上非法开采石料，大片林地被毁",
			"{V}后山树木被砍伐|有人在{V}后山砍伐树木、开挖山体，山上光秃秃一片",
		},
		[]string{"担心雨季发生山体滑坡", "生态环境遭到严重破坏"}},
	{catEcology, "自然保护区违规建设", 0.30, 0.05, 0.5, []int{clsConstruction}, nil, "在自然保护区内违规建设",
		[]string{"自然保护区内违规建设", "反映保护区内违规开发"},
		[]string{
			"保护区核心区内修建房屋|{V}附近的自然保护区核心区内正在修建房屋和道路",
			"湿地被填埋搞开发|{T}在湿地保护范围内填埋湿地、修建度假设施",
		},
		[]string{"保护区的生态环境遭到破坏", "候鸟栖息地受到威胁"}},

	// soil
	{catSoil, "土壤污染", 1, 0.05, 0.7, []int{clsChemical, clsWaste}, []int{catWater, catSolid}, "造成土壤污染",
		[]string{"反映{V}土壤污染", "担心土壤被污染"},
		[]string{
			"污染地块拟建住宅|{T}搬迁后留下的场地土壤发黑，有刺鼻气味，现在准备建住宅",
			"反映{V}农田被污染|农田灌溉用水被污染，水稻大面积枯黄",
			"{T}废水渗入农田|{T}的废水渗到周边农田，土壤板结发黑",
		},
		[]string{"担心种出来的粮食不安全", "周边居民非常担心"}},

	// radiation
	{catRadiation, "电磁辐射", 0.8, 0.05, 0.5, []int{clsTelecom}, nil, "电磁辐射",
		[]string{"担心电磁辐射影响健康"},
		[]string{
			"{E}楼顶基站辐射|{E}楼顶新装了通信基站，担心辐射影响身体健康",
			"反映{P}变电站电磁辐射|{P}附近新建了变电站，离居民楼很近",
			"小区内新建通信基站未公示|{T}在{E}内安装基站时没有公示",
		},
		[]string{"居民普遍担心", "家里有孕妇和小孩，非常担心"}},
	{catRadiation, "核技术利用", 0.2, 0.05, 0.9, []int{clsCoating, clsMinerals}, nil, "辐射安全管理不规范",
		[]string{"反映{T}辐射安全问题"},
		[]string{
			"{T}露天进行射线探伤|{T}在厂区露天进行X射线探伤作业，没有设置警戒区",
			"反映{T}放射源管理混乱|{T}的放射源管理混乱，担心发生泄漏",
		},
		[]string{"周边工人和居民担心受到辐射"}},

	// other
	{catOther, "环评手续问题", 1, 0.05, 0.8, []int{clsChemical, clsCoating, clsConstruction}, nil, "未依法履行环评手续",
		[]string{"反映{T}环评手续问题"},
		[]string{
			"{T}未批先建|{T}未办理环评手续就开工建设生产",
			"{T}无证排污|{T}的排污许可证已过期仍在生产",
			"{T}环保设施未验收即投产|{T}的环保设施没有验收就投入使用",
		},
		[]string{"请依法查处", "周边居民对此意见很大"}},
}

// topicsOf indexes topics by category with their weights.
type topicIndex struct {
	byCat [numCategories][]int
	cum   [numCategories]cumulative
}

func newTopicIndex() *topicIndex {
	ti := &topicIndex{}
	for i, t := range topics {
		ti.byCat[t.cat] = append(ti.byCat[t.cat], i)
	}
	for c := 0; c < numCategories; c++ {
		w := make([]float64, len(ti.byCat[c]))
		for k, i := range ti.byCat[c] {
			w[k] = topics[i].weight
		}
		ti.cum[c] = newCumulative(w)
	}
	return ti
}

// find returns the index of the topic with the given subcategory.
func findTopic(sub string) int {
	for i, t := range topics {
		if t.sub == sub {
			return i
		}
	}
	panic("simulate: no topic " + sub) // programming error: the tables are fixed
}
