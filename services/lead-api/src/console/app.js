// edugroup console (集团化办学管理平台): a small page application over the JSON API.
// The bearer token lives in this tab's sessionStorage; every page asks the API and shows its
// answer, or its refusal as the bilingual message next to the action it concerns. No rule of
// the system is decided here.
'use strict';

// ---------------------------------------------------------------- words (zh-CN first)

const WORDS = {
  zh: {
    title: '集团化办学管理平台', signin: '登录', signout: '退出', loading: '加载中…',
    signin_intro: '请粘贴身份认证系统签发的令牌(JWT)。', token: '令牌', signin_dev: '开发环境演示账号(edugroup-dev up 生成):',
    signin_as: '以此身份登录', bad_token: '令牌格式无效,请检查是否完整复制。', api_docs: '接口文档',
    county: '县域概览', policy: '政策设置', group_home: '集团首页', postings: '交流轮岗', meetings: '理事会',
    catalogue: '资源库', sanctions: '警告与劝退', school_home: '本校首页', evaluation: '年度评估', charter: '章程与规划',
    groups: '教育集团', name: '名称', model: '组建模式', stage: '学段', size: '成员校 / 上限', plaque: '挂牌日期',
    status: '状态', overdue_obligations: '逾期义务', overdue_reports: '逾期季度报告', none: '无', members: '成员学校',
    role: '角色', joined: '加入日期', left: '退出日期', exit_reason: '退出原因', plaque_text: '挂牌名称',
    admit: '接纳成员校', school: '学校', choose: '请选择', admitted: '已接纳', council: '理事会组成', holder: '姓名',
    post: '职务', obligations: '义务台账', period: '期间', obligor: '责任方', due: '截止日期', counted: '完成 / 要求',
    rule: '规则', this_month: '本月', this_semester: '本学期', this_year: '本学年', notifications: '提醒',
    rotation: '交流轮岗比例', eligible: '符合交流条件教师', rotated: '已交流', backbone: '骨干教师', deadline: '统计截止',
    forecast: '学年末预测', actual: '已确认', policy_version: '政策版本', year: '学年',
    teacher: '教师', from: '派出学校', to: '接收学校', kind: '类型', host_post: '挂职/任职岗位', term: '期限', phase: '进度',
    actions: '操作', confirm: '确认', cancel: '取消', plan: '安排交流', semester: '学期', dates: '起止日期', start: '开始', end: '结束',
    autumn: '第一学期(秋季)', spring: '第二学期(春季)', who_where: '人员去向', home_school: '人事关系所在学校',
    planned: '已安排', confirmed_ok: '已确认', cancelled_ok: '已取消', reason: '原因', no_rows: '暂无记录',
    meeting_list: '会议', new_meeting: '新建会议', meeting_kind: '会议类型', meeting_title: '会议名称', held_on: '会议日期',
    start_time: '开始时间', place: '地点', agenda: '议程(每行一项:议题 | 负责人)', create: '创建', created: '已创建',
    attendance: '出席', save_attendance: '保存出席', quorum: '法定人数', quorum_met: '已达到', quorum_not_met: '未达到',
    motions: '议案', new_motion: '提出议案', category: '类别', major: '重大事项', subject_school: '涉及学校',
    vote: '表决', cast_votes: '提交表决', tally: '表决结果', yes: '赞成', no: '反对', abstain: '弃权', recused: '回避', pending: '未表决',
    minutes: '会议纪要', save_minutes: '保存纪要', circulate: '传阅', publish: '发布', saved: '已保存',
    cadence: '例会情况(每月至少一次)', reports: '季度报告', submit_report: '提交季度报告', summary: '摘要', decisions: '重大决议',
    print: '打印版', submitted: '已提交', search: '搜索', keyword: '关键词', subject: '学科', tier: '级别', owner: '所属学校',
    adoptions: '采用学校数', adopt: '采用', adopted: '已采用', approve: '通过', reject: '退回', reviewed: '已审核',
    submit_resource: '提交资源', resource_title: '资源名称', description: '简介', tags: '标签(逗号分隔)', course_type: '课程类型',
    newer: '有新版本', reuse: '共建共享情况', warnings: '警告', persuade_outs: '劝退', warn: '发出警告', evidence: '依据(每行一条)',
    propose_persuade_out: '提出劝退', decision: '理事会决议', decide: '确认劝退', reject_po: '不同意', issued: '已发出',
    policy_current: '当前政策', policy_versions: '政策版本记录', effective_from: '生效日期', save_policy: '保存为新版本',
    changed_by: '修改人', policy_saved: '已保存新政策版本', my_postings: '本校教师交流', to_attend: '待参加会议',
    my_obligations: '本校义务', group: '所属集团', no_group: '尚未加入教育集团。', open: '打开', back: '返回',
    download: '下载', present: '出席', absent: '缺席', passed: '通过', refresh: '刷新', all: '全部',
    unavailable: '服务暂时不可用,请稍后重试。', network: '无法连接服务器,请检查网络后重试。', staff: '在编教师',
    days_left: '天', yes_word: '是', no_word: '否', region: '行政区划', person: '当前用户',
    open_round: '开启考核评估', rounds: '本地区考核轮次', round: '考核评估', opened_at: '开启时间', scorecards: '评分卡',
    total: '总分', grade: '等级', skipped: '未参评集团', eligible_from: '可参评日期', export_xlsx: '导出 Excel', export_csv: '导出 CSV',
    dimensions: '评估维度', weight: '权重', score: '得分', figure: '指标', value: '数值', target: '目标', sources: '依据记录',
    balance: '优质均衡(加权差异系数)', limit: '上限', group_cv: '集团加权差异系数', county_cv: '全县加权差异系数', cv_with_postings: '计入交流后',
    cv_note: '差异系数按在校生数加权(V-17、§8.12):X̄ = ΣPᵢXᵢ / ΣPᵢ,S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²),CV = S / X̄;跨学段学校按 1 : 1.1(: 1.32)分入各学段。无数据不算达标。',
    member_progress: '成员校进步', quality_score: '质量得分', last_year: '上年得分', value_added: '增值', consequences: '考核结果运用',
    report: '打印报告', within: '是否达标',
    legal_person: '法人', leadership: '领导班子', kept: '独立', unified: '统一',
    scale: '办学规模与龙头学校质量', scale_decisions: '规模决定记录', lead_quality: '龙头学校年度质量',
    scale_cap: '规模上限', effective_cap: '现行上限', model_cap: '模式上限', change_scale: '调整规模',
    record_quality: '记录质量评估', improving: '持续提升', decided_at: '决定时间', recorded_by: '记录人',
    major_matters: '成员学校重大事项', record_major_matter: '登记重大事项', matter_title: '事项', matter_description: '说明(类别为「其他」时必填)',
    effective_on: '生效日期', decision_cited: '依据的理事会决议', no_decision: '理事会尚无关于该校的重大事项决议', recorded: '已登记',
    gate_closed: '龙头学校最近一年质量未提升:集团暂停吸收新成员(V-07)。', superseded: '已更正',
    history: '载入历史数据', todo: '待办', brand_refusals: '品牌违规拦截记录', requested_by: '申请人', resource: '资源', refused_to: '拟输出至', refused_at: '拦截时间',
    brand_refusals_hint: '集团资源不得转让或向集团外学校、其他集团二次输出(R-11);每次被拦截的尝试均记录在此。',
  },
  en: {
    title: 'School-group console', signin: 'Sign in', signout: 'Sign out', loading: 'Loading…',
    signin_intro: 'Paste a token (JWT) from your identity provider.', token: 'Token', signin_dev: 'Development demo accounts (from edugroup-dev up):',
    signin_as: 'Sign in as this role', bad_token: 'This is not a valid token; check that it was copied whole.', api_docs: 'API docs',
    county: 'County overview', policy: 'Policy', group_home: 'Group home', postings: 'Rotation', meetings: 'Council',
    catalogue: 'Library', sanctions: 'Warnings', school_home: 'My school', evaluation: 'Evaluation', charter: 'Charter and plan',
    groups: 'Education groups', name: 'Name', model: 'Model', stage: 'Stage', size: 'Members / cap', plaque: 'Plaque date',
    status: 'Status', overdue_obligations: 'Overdue obligations', overdue_reports: 'Overdue quarterly reports', none: 'None', members: 'Member schools',
    role: 'Role', joined: 'Joined', left: 'Left', exit_reason: 'Exit reason', plaque_text: 'Plaque',
    admit: 'Admit member school', school: 'School', choose: 'Choose', admitted: 'Admitted', council: 'Council', holder: 'Name',
    post: 'Post', obligations: 'Obligations', period: 'Period', obligor: 'Obligor', due: 'Due', counted: 'Done / required',
    rule: 'Rule', this_month: 'This month', this_semester: 'This semester', this_year: 'This school year', notifications: 'Notifications',
    rotation: 'Rotation ratio', eligible: 'Eligible teachers', rotated: 'Rotated', backbone: 'Backbone', deadline: 'Counted until',
    forecast: 'Year-end forecast', actual: 'Confirmed', policy_version: 'Policy version', year: 'School year',
    teacher: 'Teacher', from: 'From', to: 'To', kind: 'Kind', host_post: 'Host post', term: 'Term', phase: 'Phase',
    actions: 'Actions', confirm: 'Confirm', cancel: 'Cancel', plan: 'Plan posting', semester: 'Semester', dates: 'Dates', start: 'Start', end: 'End',
    autumn: 'autumn semester', spring: 'spring semester', who_where: 'Who is where', home_school: 'Home school',
    planned: 'Planned', confirmed_ok: 'Confirmed', cancelled_ok: 'Cancelled', reason: 'Reason', no_rows: 'Nothing yet',
    meeting_list: 'Meetings', new_meeting: 'New meeting', meeting_kind: 'Kind', meeting_title: 'Title', held_on: 'Date',
    start_time: 'Start time', place: 'Place', agenda: 'Agenda (one item per line: title | owner)', create: 'Create', created: 'Created',
    attendance: 'Attendance', save_attendance: 'Save attendance', quorum: 'Quorum', quorum_met: 'met', quorum_not_met: 'not met',
    motions: 'Motions', new_motion: 'New motion', category: 'Category', major: 'Major matter', subject_school: 'School concerned',
    vote: 'Vote', cast_votes: 'Record votes', tally: 'Tally', yes: 'Yes', no: 'No', abstain: 'Abstain', recused: 'Recused', pending: 'Pending',
    minutes: 'Minutes', save_minutes: 'Save minutes', circulate: 'Circulate', publish: 'Publish', saved: 'Saved',
    cadence: 'Monthly meetings (at least one a month)', reports: 'Quarterly reports', submit_report: 'Submit quarterly report', summary: 'Summary', decisions: 'Major decisions',
    print: 'Printable', submitted: 'Submitted', search: 'Search', keyword: 'Keyword', subject: 'Subject', tier: 'Tier', owner: 'Owner school',
    adoptions: 'Adopting schools', adopt: 'Adopt', adopted: 'Adopted', approve: 'Approve', reject: 'Reject', reviewed: 'Reviewed',
    submit_resource: 'Submit resource', resource_title: 'Title', description: 'Description', tags: 'Tags (comma separated)', course_type: 'Course type',
    newer: 'newer version', reuse: 'Sharing and reuse', warnings: 'Warnings', persuade_outs: 'Persuade-outs', warn: 'Issue warning', evidence: 'Evidence (one per line)',
    propose_persuade_out: 'Propose persuade-out', decision: 'Council decision', decide: 'Confirm', reject_po: 'Reject', issued: 'Issued',
    policy_current: 'Current policy', policy_versions: 'Policy versions', effective_from: 'Effective from', save_policy: 'Save as new version',
    changed_by: 'Changed by', policy_saved: 'New policy version saved', my_postings: 'Our staff on rotation', to_attend: 'Meetings to attend',
    my_obligations: 'Our obligations', group: 'Group', no_group: 'Not in an education group yet.', open: 'Open', back: 'Back',
    download: 'Download', present: 'present', absent: 'absent', passed: 'passed', refresh: 'Refresh', all: 'All',
    unavailable: 'The service is unavailable; try again shortly.', network: 'Cannot reach the server; check the network and retry.', staff: 'Staff',
    days_left: 'days', yes_word: 'yes', no_word: 'no', region: 'Region', person: 'Signed in as',
    open_round: 'Open evaluation round', rounds: "The region's rounds", round: 'Evaluation round', opened_at: 'Opened', scorecards: 'Scorecards',
    total: 'Total', grade: 'Grade', skipped: 'Groups left out', eligible_from: 'Eligible from', export_xlsx: 'Export Excel', export_csv: 'Export CSV',
    dimensions: 'Dimensions', weight: 'Weight', score: 'Score', figure: 'Figure', value: 'Value', target: 'Target', sources: 'Records',
    balance: 'Balance (enrolment-weighted coefficients of variation)', limit: 'Limit', group_cv: 'Group CV (weighted)', county_cv: 'County CV (weighted)', cv_with_postings: 'With postings',
    cv_note: 'Each CV weights every school by its enrolment (V-17, §8.12): X̄ = ΣPᵢXᵢ / ΣPᵢ, S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²), CV = S / X̄; a school spanning stages counts in each by 1 : 1.1 (: 1.32). No data is no pass.',
    member_progress: "Members' progress", quality_score: 'Quality score', last_year: 'Last year', value_added: 'Value added', consequences: 'Consequences',
    report: 'Printable report', within: 'Within the limit',
    legal_person: 'Legal person', leadership: 'Leadership', kept: 'own', unified: 'unified',
    scale: "Scale and the lead school's quality", scale_decisions: 'Scale decisions', lead_quality: "Lead school's yearly quality",
    scale_cap: 'Scale cap', effective_cap: 'Cap in force', model_cap: "model's cap", change_scale: 'Change scale',
    record_quality: 'Record quality', improving: 'Improving', decided_at: 'Decided', recorded_by: 'Recorded by',
    major_matters: "Member schools' major matters", record_major_matter: 'Record major matter', matter_title: 'Matter', matter_description: 'Description (required for "other")',
    effective_on: 'Effective', decision_cited: 'Council decision cited', no_decision: 'No council decision about this school yet', recorded: 'Recorded',
    gate_closed: "The lead school's latest quality did not improve: the group admits no member (V-07).", superseded: 'corrected',
    history: 'Load the past', todo: 'To do', brand_refusals: 'Refused brand transfers', requested_by: 'Requested by', resource: 'Resource', refused_to: 'To', refused_at: 'When',
    brand_refusals_hint: 'Group resources may not be transferred or re-exported to schools outside the group or to other groups (R-11); every refused attempt is kept here.',
  },
};

// Names of the API's enumerations: [中文, English].
const ENUMS = {
  model: { alliance: ['联盟型', 'alliance'], tight: ['紧密型', 'tight'], trusteeship: ['托管型', 'trusteeship'] },
  stage: { primary: ['小学', 'primary'], junior: ['初中', 'junior secondary'], nine_year: ['九年一贯制', 'nine-year'], twelve_year: ['十二年一贯制', 'twelve-year'], senior: ['高中', 'senior secondary'] },
  group_status: { active: ['运行中', 'active'], dissolved: ['已撤销', 'dissolved'] },
  member_role: { lead: ['龙头学校', 'lead school'], member: ['成员学校', 'member school'] },
  exit_reason: { evaluation: ['考核评估退出', 'evaluation'], dissolution: ['集团撤销', 'dissolution'], voluntary: ['自愿退出', 'voluntary'], persuaded_out: ['劝退', 'persuaded out'], group_dissolved: ['集团撤销', 'group dissolved'], bureau_decision: ['教育局决定', 'bureau decision'] },
  role: { bureau: ['县教育局', 'county bureau'], lead_admin: ['集团办公室', 'lead-school office'], member_admin: ['成员学校', 'member school'], teacher: ['教师', 'teacher'], auditor: ['审计', 'auditor'] },
  seat_role: { chair: ['会长', 'chair'], vice_chair: ['副会长', 'vice-chair'], secretary_general: ['秘书长', 'secretary-general'], director: ['理事', 'director'] },
  leader_post: { principal: ['校长', 'principal'], vice_principal: ['副校长', 'vice-principal'], party_secretary: ['党组织书记', 'party secretary'] },
  obligation_status: { met: ['已完成', 'met'], missing: ['未完成', 'missing'], overdue: ['已逾期', 'overdue'], upcoming: ['未到期', 'upcoming'] },
  obligor: { group: ['集团', 'group'], lead: ['龙头学校', 'lead school'], member: ['成员学校', 'member school'] },
  posting_kind: { secondment: ['挂职', 'secondment'], post_holding: ['任职', 'post holding'], shadowing: ['跟岗学习', 'shadowing'], support_teaching: ['支教', 'support teaching'], itinerant: ['走教', 'itinerant'] },
  consent_status: { pending: ['待同意', 'pending'], approved: ['已同意', 'approved'], declined: ['不同意', 'declined'] },
  posting_status: { proposed: ['待确认', 'proposed'], confirmed: ['已确认', 'confirmed'], cancelled: ['已取消', 'cancelled'], ended_early: ['提前结束', 'ended early'] },
  posting_phase: { upcoming: ['未开始', 'upcoming'], active: ['进行中', 'active'], completed: ['已完成', 'completed'] },
  backbone: { none: ['—', '—'], school: ['校级骨干', 'school'], county: ['县级骨干', 'county'], city: ['市级骨干', 'city'], province: ['省级骨干', 'province'] },
  staff_post: { school_leader: ['校级领导', 'school leader'], middle_manager: ['中层管理人员', 'middle manager'], subject_teacher: ['学科教师', 'subject teacher'] },
  meeting_kind: { council: ['理事会例会', 'council meeting'], work_planning: ['年度工作计划会', 'planning meeting'], annual_summary: ['年度总结会', 'summary meeting'], results_showcase: ['成果展示', 'results showcase'] },
  category: { development_plan: ['发展规划', 'development plan'], goals: ['目标', 'goals'], work_plan: ['工作计划', 'work plan'], resource_allocation: ['资源配置', 'resource allocation'], teaching_activity: ['教学活动', 'teaching activity'], member_major_matter: ['成员校重大事项', "member school's major matter"], charter: ['集团章程', 'charter'] },
  charter_kind: { charter: ['集团章程', 'charter'], development_plan: ['集团发展规划', 'development plan'] },
  charter_status: { draft: ['草案', 'draft'], in_force: ['现行', 'in force'], superseded: ['已废止', 'superseded'] },
  major_matter_kind: { principal_appointment_or_removal: ['校长任免', 'principal appointment or removal'], budget: ['年度预算/重大经费', 'budget or major expenditure'], campus_change: ['校区/校址调整', 'campus or site change'], enrolment_plan_change: ['招生计划调整', 'enrolment plan change'], partnership: ['加入其他办学共同体/项目', 'joining another programme or partnership'], major_construction: ['重大建设项目', 'major construction'], other: ['其他', 'other'] },
  motion_status: { open: ['表决中', 'open'], passed: ['通过', 'passed'], rejected: ['未通过', 'rejected'] },
  choice: { yes: ['赞成', 'yes'], no: ['反对', 'no'], abstain: ['弃权', 'abstain'], recused: ['回避', 'recused'] },
  minutes_status: { draft: ['草稿', 'draft'], circulated: ['传阅中', 'circulated'], published: ['已发布', 'published'] },
  report_state: { open: ['未到期', 'open'], due: ['待提交', 'due'], overdue: ['已逾期', 'overdue'], submitted: ['已提交', 'submitted'], submitted_late: ['逾期提交', 'submitted late'] },
  resource_kind: { course: ['课程', 'course'], lesson_plan: ['教案', 'lesson plan'], courseware: ['课件', 'courseware'], material: ['教学资料', 'material'], teaching_aid: ['教具', 'teaching aid'], training: ['培训资料', 'training'], research_result: ['教研成果', 'research result'], moral_education: ['德育课程', 'moral education'] },
  tier: { national: ['国家级', 'national'], provincial: ['省级', 'provincial'], city: ['市级', 'city'], county: ['县级', 'county'], school: ['校级', 'school'], none: ['未评级', 'none'] },
  course_type: { national: ['国家课程', 'national'], school_based: ['校本课程', 'school-based'], featured: ['特色课程', 'featured'], extended: ['拓展课程', 'extended'] },
  resource_status: { pending_review: ['待审核', 'pending review'], published: ['已发布', 'published'], rejected: ['已退回', 'rejected'] },
  po_status: { proposed: ['待教育局确认', 'proposed'], confirmed: ['已确认', 'confirmed'], rejected: ['未同意', 'rejected'] },
  notification: { due_soon: ['即将到期', 'due soon'], overdue: ['已逾期', 'overdue'], changed: ['有变化', 'changed'] },
  balance: { teachers_above_degree: ['生均高于规定学历教师数', 'teachers above the required degree'], backbone_teachers: ['县级以上骨干教师数', 'county-level backbone teachers'], pe_art_teachers: ['体育、艺术专任教师数', 'PE and art teachers'], teaching_area: ['生均教学及辅助用房面积', 'teaching floor area per student'], sports_area: ['生均体育运动场馆面积', 'sports ground per student'], equipment_value: ['生均教学仪器设备值', 'equipment value per student'], multimedia_rooms: ['网络多媒体教室数', 'multimedia classrooms'] },
  grade: { excellent: ['优秀', 'excellent'], good: ['良好', 'good'], pass: ['合格', 'pass'], fail: ['不合格', 'fail'] },
  dimension: { group_model: ['组建模式', 'group model'], group_size: ['办学规模', 'size'], management_innovation: ['管理创新', 'management innovation'], research_linkage: ['教研联动', 'research linkage'], teaching_quality: ['教学质量', 'teaching quality'], teacher_team: ['教师队伍', 'teacher team'], outcomes: ['办学成效', 'outcomes'], value_added: ['成员校增值', 'value added'] },
  consequence_kind: { reward: ['奖励', 'reward'], warning: ['警告', 'warning'], member_exit: ['成员校退出', 'member exit'], dissolution: ['撤销集团', 'dissolution'] },
  consequence_status: { proposed: ['待确认', 'proposed'], confirmed: ['已确认', 'confirmed'], rejected: ['未采纳', 'rejected'], effective: ['已生效', 'effective'] },
  source_kind: { meeting: ['会议', 'meeting'], report: ['季度报告', 'report'], training: ['培训', 'training'], posting: ['交流', 'posting'], resource: ['资源', 'resource'], school_data: ['学校数据', 'school data'], scored_item: ['评分项', 'scored item'] },
  month_state: { met: ['已开', 'met'], missing: ['未开', 'missing'], pending: ['待开', 'pending'], not_applicable: ['—', '—'] },
};

const POLICY_FIELDS = [
  ['cap_alliance', '联盟型成员上限', 'alliance member cap'], ['cap_tight', '紧密型成员上限', 'tight member cap'],
  ['cap_trusteeship', '托管型成员上限', 'trusteeship member cap'], ['rotation_min_pct', '年度交流比例下限 %', 'yearly rotation minimum %'],
  ['backbone_min_pct', '骨干教师占比下限 %', 'backbone share minimum %'], ['council_meetings_per_month', '理事会每月至少召开次数', 'council meetings per month'],
  ['council_quorum_over_pct', '法定人数(超过席位 %)', 'quorum (over % of seats)'], ['council_quorum_every_school', '法定人数须每校有人出席', 'quorum needs every school'],
  ['council_report_due_days', '季度报告提交期限(季末后天数)', 'quarterly report due (days after quarter)'], ['results_showcases_per_year', '每年成果展示次数', 'results showcases per year'],
  ['library_min_per_semester', '每校每学期至少贡献资源数', 'resources per school per semester'], ['catalogue_review_required', '资源须经集团办公室审核', 'library review required'],
  ['support_postings', '允许支教、走教', 'support and itinerant postings'], ['trusteeship_mixed_stages', '托管型可跨学段', 'trusteeship across stages'],
  ['due_soon_days', '提前提醒天数', 'days of notice before due'],
  ['junior_coverage_min_pct', '初中集团化覆盖率底线 %', 'junior schools covered by groups, line %'], ['weak_school_share_pct', '薄弱初中认定比例 %', 'weak junior schools designated, share %'],
  ['lead_quality_gate', '龙头学校质量未提升时暂停吸收成员', "no admissions while the lead's quality is not improving"],
];

// ---------------------------------------------------------------- state

const state = {
  lang: localStorage.getItem('edugroup.lang') === 'en' ? 'en' : 'zh',
  token: sessionStorage.getItem('edugroup.token'),
  claims: null,
  schools: null, // id → School, for names
};

function t(key) { return WORDS[state.lang][key] ?? WORDS.zh[key] ?? key; }
function en(kind, value) {
  const pair = ENUMS[kind]?.[value];
  return pair ? pair[state.lang === 'zh' ? 0 : 1] : (value ?? '');
}
function bi(zh, english) { return state.lang === 'zh' ? zh : english; }

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// ---------------------------------------------------------------- the school calendar

// A school year (学年) is named by the year it starts in: 2025 is Sep 2025 – Aug 2026.
function schoolYearOf(iso) {
  const [y, m] = iso.slice(0, 10).split('-').map(Number);
  return m >= 9 ? y : y - 1;
}
function semesterOf(iso) {
  const m = Number(iso.slice(5, 7));
  if (m >= 9 || m === 1) return 'autumn';
  if (m >= 2 && m <= 7) return 'spring';
  return null; // August: summer break
}
function today() {
  const d = new Date();
  const p = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
function fmtYear(y) { return bi(`${y}—${y + 1}学年`, `${y}–${String(y + 1).slice(2)} school year`); }
function fmtTerm(y, semester) {
  return bi(`${y}—${y + 1}学年${WORDS.zh[semester]}`, `${WORDS.en[semester]} ${y}–${String(y + 1).slice(2)}`);
}
function fmtDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return bi(`${y}年${m}月${d}日`, `${d} ${months[m - 1]} ${y}`);
}
// A moment in the reader's local time, e.g. 2026年3月12日 14:05.
function fmtDateTime(iso) {
  const d = new Date(iso ?? '');
  if (Number.isNaN(d.getTime())) return esc(iso);
  const p = n => String(n).padStart(2, '0');
  return `${fmtDate(`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`)} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
// A date with its place in the school calendar, e.g. 2026年3月12日(2025—2026学年第二学期).
function fmtSchoolDate(iso) {
  if (!iso) return '';
  const sem = semesterOf(iso);
  const where = sem ? fmtTerm(schoolYearOf(iso), sem) : bi('暑假', 'summer break');
  return `${fmtDate(iso)} <small class="muted">${esc(bi(`(${where})`, `(${where})`))}</small>`;
}
function currentMonthPeriod() { return today().slice(0, 7); }
function currentSemesterPeriod() {
  const d = today();
  const sem = semesterOf(d) ?? 'autumn';
  const y = Number(d.slice(0, 4));
  // semesters are named by the calendar year they start in
  return sem === 'autumn' ? `${Number(d.slice(5, 7)) === 1 ? y - 1 : y}-autumn` : `${y}-spring`;
}

// ---------------------------------------------------------------- the API

class Refusal extends Error {
  constructor(problem, status) {
    super(problem.message);
    this.problem = problem;
    this.status = status;
  }
}

function localProblem(zh, english, code) { return { code, message: english, message_zh: zh }; }

async function api(method, path, body, { raw = false, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (state.token) init.headers.Authorization = `Bearer ${state.token}`;
  if (body instanceof Blob) {
    // a file as it was chosen (a roster's CSV)
    init.headers['Content-Type'] = body.type || 'text/csv';
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path.startsWith('/') && !path.startsWith('/api/') && !path.startsWith('/console/') ? `/api/v1${path}` : path, init);
  } catch {
    throw new Refusal(localProblem(WORDS.zh.network, WORDS.en.network, 'network'), 0);
  }
  if (!response.ok) {
    let problem = null;
    try { problem = (await response.json()).error; } catch { problem = null; }
    if (!problem || !problem.message) {
      problem = localProblem(WORDS.zh.unavailable, WORDS.en.unavailable, `http_${response.status}`);
    }
    if (response.status === 401 && path !== '/groups?limit=1') {
      signOut(problem);
    }
    throw new Refusal(problem, response.status);
  }
  if (raw) return response;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.text();
}

// The refusal as people read it: the message in the chosen language, the other language
// under it, and the stable code and rule for whoever reports it.
function refusalHtml(err) {
  const p = err instanceof Refusal ? err.problem : localProblem(WORDS.zh.unavailable, WORDS.en.unavailable, 'client');
  const first = state.lang === 'zh' ? p.message_zh : p.message;
  const other = state.lang === 'zh' ? p.message : p.message_zh;
  const code = [esc(p.code ?? ''), p.rule ? ruleTag(p.rule) : ''].filter(Boolean).join(' · '); // rules.js
  // a file refused row by row (csv_invalid) lists its rows
  const rows = Array.isArray(p.details?.rows) ? `<ul class="rows">${p.details.rows.slice(0, 20).map(r =>
    `<li>${esc(bi(`第 ${r.line} 行`, `line ${r.line}`))} · ${esc(r.column)}: ${esc(r.reason)}</li>`).join('')}</ul>` : '';
  return `<div class="refusal" role="alert" data-code="${esc(p.code)}"><strong>${esc(first)}</strong>` +
    `<span class="other" lang="${state.lang === 'zh' ? 'en' : 'zh-CN'}">${esc(other)}</span>` +
    `<span class="code">${code}</span>${rows}${refusalNextStep(p)}</div>`;
}

// Runs an action of a form or button; its refusal appears next to the field it names, or
// next to the button. A form's fields are checked first: one the browser finds missing or
// out of bounds is refused next to it and nothing is sent.
async function act(anchor, action, doneText) {
  const scope = anchor.form || anchor.closest('.actions, td, section') || anchor.parentElement;
  scope.querySelectorAll(':scope .refusal, :scope .done').forEach(n => n.remove());
  if (anchor.form && !checkFields(anchor.form)) return false;
  anchor.disabled = true;
  try {
    await action();
    // A section that re-rendered meanwhile (a newer search, say) took the button with it:
    // the fresh rendering then shows the outcome, so there is nothing to place.
    if (doneText) placeAfter(anchor, `<div class="done" role="status">${esc(doneText)}</div>`);
    return true;
  } catch (err) {
    const field = err instanceof Refusal ? err.problem.details?.field : null;
    const target = fieldControl(scope, field)?.closest('label') || anchor;
    // Next to the field or button when it is still there; else at the top of the page, so a
    // refusal is never lost because its section re-rendered.
    if (target.isConnected) target.insertAdjacentHTML('afterend', refusalHtml(err));
    else main().insertAdjacentHTML('afterbegin', refusalHtml(err));
    if (!(err instanceof Refusal)) console.error(err);
    return false;
  } finally {
    anchor.disabled = false;
  }
}

// A page section that loads on its own: a refusal replaces only its content.
// Returns whether the section is still on the page (the user may have moved on meanwhile).
// Only the latest load of a section is shown: an older answer arriving after a newer one
// (a search typed while the first list was still loading) is dropped.
const latestFill = new WeakMap();
async function fill(el, loader) {
  if (!el) return false;
  const ticket = (latestFill.get(el) ?? 0) + 1;
  latestFill.set(el, ticket);
  let html;
  try {
    html = await loader();
  } catch (err) {
    html = refusalHtml(err);
    if (!(err instanceof Refusal)) console.error(err);
  }
  if (!el.isConnected || latestFill.get(el) !== ticket) return false;
  el.innerHTML = html;
  // widths through the CSSOM: the Content-Security-Policy allows no inline style attribute
  el.querySelectorAll('[data-pct]').forEach(bar => { bar.style.width = `${bar.dataset.pct}%`; });
  return true;
}

function idempotencyKey() {
  return (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
}

// ---------------------------------------------------------------- helpers for pages

function main() { return document.getElementById('main'); }
// Puts a notice after an element that is still on the page; an answer arriving after the user
// has left that page changes nothing.
function placeAfter(el, html) { if (el.isConnected) el.insertAdjacentHTML('afterend', html); }
// The element, or a detached stand-in when the page it belonged to has been left meanwhile
// (an answer that arrives late then changes nothing on screen).
function q(sel, root = document) { return root.querySelector(sel) ?? document.createElement('div'); }
function badge(kind, value) { return `<span class="badge ${esc(value)}">${esc(en(kind, value))}</span>`; }
function options(kind, selected) {
  return Object.keys(ENUMS[kind]).map(v => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(en(kind, v))}</option>`).join('');
}
// A list a reader names by `testid` gets its total, a filter when long and an export (lists.js);
// `paged`: the rows are one page of a longer list whose pager says the total; `total`: how many
// the API has, of which the newest `rows` are shown.
function table(head, rows, testid, { paged = false, total } = {}) {
  if (!rows.length) return `<p class="muted">${esc(t('no_rows'))}</p>`;
  const html = `<table${testid ? ` data-testid="${testid}"` : ''}><thead><tr>${head.map(h => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map(r => `<tr>${r.map(c => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  return testid ? listTools(testid, rows.length, { paged, total }) + html : html;
}
function yearOptions(selected) {
  const now = schoolYearOf(today());
  return [now - 1, now, now + 1].map(y => `<option value="${y}"${y === selected ? ' selected' : ''}>${esc(fmtYear(y))}</option>`).join('');
}

async function schools() {
  if (!state.schools) {
    const page = await api('GET', '/schools?limit=200');
    state.schools = new Map(page.items.map(s => [s.id, s]));
  }
  return state.schools;
}
async function schoolName(id) {
  if (!id) return '';
  try { return (await schools()).get(id)?.name ?? id.slice(0, 8); } catch { return id.slice(0, 8); }
}
function nameOf(map, id) { return map.get(id)?.name ?? (id ? id.slice(0, 8) : ''); }

async function myGroup() {
  const page = await api('GET', '/groups?limit=5');
  return page.items.find(g => g.status === 'active') ?? page.items[0] ?? null;
}

function rotationChart(c) {
  const params = new URLSearchParams({
    ratio: c.actual.ratio_pct.toFixed(2), ratio_forecast: c.forecast.ratio_pct.toFixed(2), ratio_min: c.rotation_min_pct,
    share: c.actual.backbone_share_pct.toFixed(2), share_forecast: c.forecast.backbone_share_pct.toFixed(2), share_min: c.backbone_min_pct,
    lang: state.lang,
  });
  return `<img class="chart" data-testid="rotation-chart" alt="${esc(t('rotation'))}" src="/console/charts/rotation.svg?${params}">` +
    `<p class="muted">${esc(fmtYear(c.school_year))} · ${esc(t('eligible'))} ${c.eligible} · ${esc(t('rotated'))} ${c.actual.rotated}` +
    ` (${esc(t('forecast'))} ${c.forecast.rotated}) · ${esc(t('backbone'))} ${c.actual.backbone_rotated}` +
    ` · ${esc(t('deadline'))} ${fmtDate(c.deadline)} · ${esc(t('policy_version'))} ${c.policy_version}</p>`;
}

function ledgerTable(ledger, names) {
  const rows = ledger.obligations.map(o => [
    esc(bi(o.title_zh, o.title)), esc(en('obligor', o.obligor)) + (o.school_id ? `<br><small>${esc(nameOf(names, o.school_id))}</small>` : ''),
    fmtDate(o.due_on), `${o.counted} / ${o.required}`, badge('obligation_status', o.status), `<small>${ruleTag(o.rule)}</small>`,
  ]);
  const s = ledger.summary;
  return `<p class="chips"><span class="badge met">${esc(en('obligation_status', 'met'))} ${s.met}</span>` +
    `<span class="badge overdue">${esc(en('obligation_status', 'overdue'))} ${s.overdue}</span>` +
    `<span class="badge missing">${esc(en('obligation_status', 'missing'))} ${s.missing}</span>` +
    `<span class="badge upcoming">${esc(en('obligation_status', 'upcoming'))} ${s.upcoming}</span>` +
    ` <small class="muted">${esc(fmtDate(ledger.from))} – ${esc(fmtDate(ledger.to))}</small></p>` +
    table([t('obligations'), t('obligor'), t('due'), t('counted'), t('status'), t('rule')], rows, 'obligations');
}

function periodPicker(id, selected) {
  const choices = [[currentMonthPeriod(), t('this_month')], [currentSemesterPeriod(), t('this_semester')], [String(schoolYearOf(today())), t('this_year')]];
  return `<select id="${id}" name="period" aria-label="${esc(t('period'))}">${choices.map(([v, l]) => `<option value="${v}"${v === selected ? ' selected' : ''}>${esc(l)} (${esc(fmtPeriod(v))})</option>`).join('')}</select>`;
}

async function feedHtml(schoolId) {
  const feed = await api('GET', `/schools/${schoolId}/notifications`);
  return table([t('notifications'), t('due'), t('status')], feed.items.map(n => [
    esc(bi(n.title_zh, n.title)), fmtDate(n.due_on), badge('notification', n.kind),
  ]), 'notifications');
}

// R-11: a group's refused brand transfers (who asked, which resource, to whom, when), with
// names from the schools and groups the reader knows; an id's first characters otherwise
// (a school or group outside the reader's county is not theirs to name).
async function brandRefusalsHtml(groupId, names) {
  const [page, groups] = await Promise.all([api('GET', `/groups/${groupId}/brand-refusals?limit=100`), groupNames().catch(() => new Map())]);
  const who = by => (by.school_id ? `${esc(nameOf(names, by.school_id))}<br>` : '') +
    `<small class="muted">${esc(en('role', by.role))} · ${esc(by.sub)}</small>`;
  const to = target => target.type === 'school'
    ? `${esc(nameOf(names, target.school_id))} <small class="muted">${esc(bi('集团外学校', 'school outside the group'))}</small>`
    : `${esc(nameOf(groups, target.group_id))} <small class="muted">${esc(bi('其他集团', 'another group'))}</small>`;
  const shown = page.items.length < page.total ? `${page.items.length} / ${page.total}` : String(page.total);
  return `<p class="muted">${esc(t('brand_refusals_hint'))}</p><p>${esc(bi('共', 'In all'))} <b data-testid="brand-refusals-total">${esc(shown)}</b></p>` +
    table([t('requested_by'), t('resource'), t('refused_to'), t('refused_at')], page.items.map(r => [
      who(r.requested_by), `<b>${esc(r.resource_title)}</b>`, to(r.target), fmtDateTime(r.refused_at)]), 'brand-refusals');
}

// Opens an authenticated document (printable report, export) in a new tab or as a download.
async function openDocument(button, path, fileName) {
  await act(button, async () => {
    const response = await api('GET', path, undefined, { raw: true });
    handOver(URL.createObjectURL(await response.blob()), fileName);
  });
}

// ---------------------------------------------------------------- sign-in

function decodeClaims(token) {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

function signOut(problem) {
  sessionStorage.removeItem('edugroup.token');
  state.token = null;
  state.claims = null;
  state.schools = null;
  state.signOutProblem = problem ?? null;
  location.hash = '#/signin';
}

async function signIn(token, anchor) {
  return act(anchor, async () => {
    const claims = decodeClaims(token);
    if (!claims || !claims.role) throw new Refusal(localProblem(WORDS.zh.bad_token, WORDS.en.bad_token, 'token_malformed'), 0);
    state.token = token;
    try {
      await api('GET', '/groups?limit=1');
    } catch (err) {
      state.token = null;
      throw err;
    }
    sessionStorage.setItem('edugroup.token', token);
    state.claims = claims;
    state.schools = null;
    state.groupId = undefined;
    location.hash = '#/';
  });
}

async function pageSignIn() {
  main().innerHTML = `<section class="card signin"><h1>${esc(t('signin'))}</h1><p>${esc(t('signin_intro'))}</p>
    <form id="signin-form"><label>${esc(t('token'))}<textarea name="token" id="token" autocomplete="off" spellcheck="false"></textarea></label>
    <div class="actions"><button type="submit" id="signin">${esc(t('signin'))}</button></div></form>
    <div id="dev-tokens" class="tokens"></div>
    <p class="muted">${esc(t('api_docs'))}: <a href="/docs/">/docs/</a></p></section>`;
  if (state.signOutProblem) {
    placeAfter(q('#signin'), refusalHtml(new Refusal(state.signOutProblem, 401)));
    state.signOutProblem = null;
  }
  q('#signin-form').addEventListener('submit', e => {
    e.preventDefault();
    signIn(q('#token').value.trim(), q('#signin'));
  });
  try {
    const dev = await api('GET', '/console/dev-tokens');
    q('#dev-tokens').innerHTML = `<p>${esc(t('signin_dev'))}</p>` + dev.tokens.map(tok =>
      `<button type="button" class="secondary" data-role="${esc(tok.role)}" title="${esc(t('signin_as'))}">${esc(en('role', tok.role))} · ${esc(tok.name)}</button>`).join('');
    q('#dev-tokens').querySelectorAll('button').forEach((b, i) => b.addEventListener('click', () => signIn(dev.tokens[i].token, b)));
  } catch {
    // no development tokens here: production sign-in only
  }
}

// ---------------------------------------------------------------- bureau: county

async function pageCounty() {
  const region = state.claims.region;
  const year = Number(new URLSearchParams(location.hash.split('?')[1]).get('year')) || schoolYearOf(today());
  main().innerHTML = `<h1>${esc(t('county'))} <small class="muted">${esc(t('region'))} ${regionHtml(region)}</small></h1>
    <div class="actions"><label>${esc(t('year'))}<select id="year">${yearOptions(year)}</select></label></div>
    ${state.claims.role === 'bureau' ? `<section class="card"><h2>${esc(t('todo'))}</h2><div id="todo"></div></section>` : ''}
    <h2>${esc(t('groups'))}</h2><div id="groups">${esc(t('loading'))}</div>
    <div class="grid"><section class="card"><h2>${esc(t('rotation'))}</h2><div id="rotation"></div></section>
    <section class="card"><h2>${esc(t('overdue_reports'))}</h2><div id="reports"></div>
    <h2>${esc(t('evaluation'))}</h2><p id="cv"><a href="#/evaluation">${esc(t('open_round'))} · ${esc(t('scorecards'))} · ${esc(t('balance'))}</a></p></section></div>
    <section class="card"><h2>${esc(bi('集团化覆盖与薄弱学校', 'Group coverage and weak schools'))} <small class="muted">F-16 · F-17</small></h2><div id="coverage"></div><div id="coverage-forms"></div></section>
    <section class="card"><h2>${esc(bi('跨县入集团申请(F-04)', 'Schools of another county (F-04)'))}</h2><div id="consents"></div></section>
    <section class="card"><h2>${esc(bi('本县教师跨县交流(F-04)', 'This county’s teachers posted to another county (F-04)'))}</h2><div id="posting-consents"></div></section>
    <section class="card"><h2>${esc(bi('审计记录', 'Audit trail'))}</h2>
      <p class="muted">${esc(bi('本县每一项写操作的记录,按县逐条以 SHA-256 串联并签名;请定期下载并保存,用 edugroup audit verify-export 核验。',
        'Every write of the county, chained record by record with SHA-256 and signed; download and keep it regularly, and check it with edugroup audit verify-export.'))}</p>
      <div class="actions"><button type="button" class="secondary" id="audit-export">${esc(bi('下载签名审计记录', 'Download the signed audit trail'))}</button></div></section>`;
  q('#audit-export').addEventListener('click', e => openDocument(e.currentTarget, `/regions/${region}/audit/export`, `audit-${region}-${today()}.jsonl`));
  coverageSection(q('#coverage'), q('#coverage-forms')); // coverage.js
  consentSection(q('#consents')); // consent.js
  postingConsentSection(q('#posting-consents')); // consent.js
  q('#year').addEventListener('change', e => { location.hash = `#/county?year=${e.target.value}`; });
  if (state.claims.role === 'bureau') todoCard(q('#todo'), () => bureauTodo(region)); // todo.js
  fill(q('#groups'), async () => {
    const page = await api('GET', '/groups?limit=200&include_dissolved=true');
    const period = String(year);
    const overdue = await Promise.all(page.items.map(g => g.status === 'active'
      ? api('GET', `/groups/${g.id}/obligations?period=${period}`).then(l => l.summary.overdue).catch(() => '—')
      : Promise.resolve('—')));
    return table([t('name'), t('model'), t('stage'), t('size'), t('plaque'), t('status'), `${t('overdue_obligations')} (${fmtYear(year)})`],
      page.items.map((g, i) => {
        const pct = g.effective_cap ? Math.min(100, Math.round(100 * g.active_members / g.effective_cap)) : 0;
        return [`<a href="#/group/${g.id}">${esc(g.name)}</a>`, esc(en('model', g.model)), esc(en('stage', g.stage)),
          `<span class="bar${g.active_members >= g.effective_cap ? ' full' : ''}"><span data-pct="${pct}"></span></span>${g.active_members} / ${g.effective_cap}`,
          fmtSchoolDate(g.plaque_date), badge('group_status', g.status), String(overdue[i])];
      }), 'groups', { total: page.total });
  });
  fill(q('#rotation'), async () => rotationChart(await api('GET', `/regions/${region}/rotation?year=${year}`)));
  fill(q('#reports'), async () => {
    const list = await api('GET', `/regions/${region}/reports/overdue`);
    return table([t('groups'), t('period'), t('due'), t('status')], list.map(r => [
      `<a href="#/group/${r.group_id}">${esc(r.group_name)}</a>`, esc(fmtPeriod(r.period)), fmtDate(r.due_on), badge('report_state', r.state)]), 'overdue-reports');
  });
}

// ---------------------------------------------------------------- bureau: policy

async function pagePolicy() {
  const region = state.claims.region;
  main().innerHTML = `<h1>${esc(t('policy'))} <small class="muted">${esc(t('region'))} ${regionHtml(region)}</small></h1><div id="policy">${esc(t('loading'))}</div>`;
  await fill(q('#policy'), async () => {
    const rp = await api('GET', `/regions/${region}/policy`);
    const p = rp.current.policy;
    const fields = POLICY_FIELDS.filter(([k]) => k in p).map(([k, zh, english]) => typeof p[k] === 'boolean'
      ? `<label class="check"><input type="checkbox" name="${k}"${p[k] ? ' checked' : ''}> ${esc(bi(zh, english))}</label>`
      : `<label>${esc(bi(zh, english))}<input type="number" name="${k}" value="${esc(p[k])}" class="w7"></label>`).join('');
    const versions = table([t('policy_version'), t('effective_from'), t('reason'), t('changed_by')], rp.versions.slice().reverse().map(v => [
      String(v.version), fmtDate(v.effective_from), esc(v.reason ?? ''), esc(v.changed_by ?? '')]), 'policy-versions');
    return `<section class="card"><h2>${esc(t('policy_current'))} · ${esc(t('policy_version'))} ${rp.current.version}</h2>
      <form id="policy-form"><div class="grid">${fields}</div>
      <div class="actions"><label>${esc(t('effective_from'))}<input type="date" name="effective_from"></label>
      <label>${esc(t('reason'))}<input name="reason" size="40" required></label>
      <button type="submit" id="save-policy">${esc(t('save_policy'))}</button></div></form></section>
      <h2>${esc(t('policy_versions'))}</h2>${versions}`;
  });
  const form = document.querySelector('#policy-form');
  if (!form) return;
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const rp = await api('GET', `/regions/${region}/policy`);
    const policy = { ...rp.current.policy };
    for (const [k] of POLICY_FIELDS) {
      const input = form.elements[k];
      if (!input) continue;
      policy[k] = input.type === 'checkbox' ? input.checked : Number(input.value);
    }
    delete policy.version;
    const body = { policy, reason: form.elements.reason.value, effective_from: form.elements.effective_from.value || null };
    if (await act(q('#save-policy'), () => api('PUT', `/regions/${region}/policy`, body), t('policy_saved'))) {
      setTimeout(pagePolicy, 600);
    }
  });
}

// ---------------------------------------------------------------- a group: home

async function pageGroup(groupId) {
  main().innerHTML = `<div id="group-head">${esc(t('loading'))}</div><div id="todo-card"></div>
    <div class="grid"><section class="card"><h2>${esc(t('members'))}</h2><div id="members"></div><div id="admit"></div></section>
    <section class="card"><h2>${esc(t('council'))}</h2><div id="council"></div></section></div>
    <section class="card"><h2>${esc(t('major_matters'))} <small class="muted">G-09</small></h2><div id="major-matters"></div><div id="major-matter-form"></div></section>
    <section class="card"><h2>${esc(t('scale'))} <small class="muted">F-08 · V-07</small></h2><div id="scale"></div><div id="scale-forms"></div></section>
    <section class="card"><h2>${esc(bi('集团管理办公室与干部', 'Group office and leaders'))} <small class="muted">G-10 · G-11 · G-12 · G-13</small></h2><div id="office"></div><div id="office-forms"></div></section>
    <section class="card"><h2>${esc(bi('共享协议', 'Sharing agreements'))} <small class="muted">R-10 · M6</small></h2><div id="agreements"></div><div id="agreement-forms"></div></section>
    <section class="card"><h2>${esc(t('obligations'))} ${periodPicker('period', currentMonthPeriod())}</h2><div id="charter-in-force"></div><div id="ledger"></div></section>
    <div class="grid"><section class="card"><h2>${esc(t('rotation'))}</h2><div id="rotation"></div></section>
    <section class="card"><h2>${esc(t('notifications'))}</h2><div id="feed"></div></section></div>
    <div id="brand-refusals-card"></div>`;
  groupTrail(groupId);
  let list;
  try {
    list = await api('GET', `/groups/${groupId}/members?include_history=true`);
  } catch (err) {
    q('#group-head').innerHTML = refusalHtml(err);
    return;
  }
  const g = list.group;
  const names = await schools().catch(() => new Map());
  for (const m of list.members) if (!names.has(m.school_id)) names.set(m.school_id, { name: m.school_name });
  q('#group-head').innerHTML = `<h1 data-testid="group-name">${esc(g.name)}</h1>
    <p class="chips">${badge('group_status', g.status)} <span class="badge">${esc(en('model', g.model))}</span> <span class="badge">${esc(en('stage', g.stage))}</span>
    <span>${esc(t('size'))}: <b data-testid="group-size">${g.active_members} / ${g.effective_cap}</b></span>
    <span>${esc(t('plaque'))}: ${fmtSchoolDate(g.plaque_date)}</span> <small class="muted">${esc(t('policy_version'))} ${g.policy_version}</small>
    ${state.claims.role === 'teacher' ? '' : `<a href="#/group/${g.id}/funds" data-testid="funds-link">${esc(bi('集团化办学专项经费', 'Group funds'))}</a>`}</p>`;
  // F-06/F-07: whether each school keeps its legal person and its own leadership team.
  const own = flag => esc(flag ? t('kept') : t('unified'));
  q('#members').innerHTML = table([t('school'), t('role'), t('joined'), t('left'), t('plaque_text'), t('legal_person'), t('leadership')], list.members.map(m => [
    esc(m.school_name) + (m.cross_region ? ' <span class="badge">跨区域</span>' : ''), esc(en('member_role', m.role)), fmtDate(m.joined_at),
    m.left_at ? `${fmtDate(m.left_at)} ${esc(en('exit_reason', m.exit_reason))}` : '', `<small>${esc(m.plaque_text)}</small>`,
    own(m.legal_person_retained), own(m.independent_leadership)]), 'members');
  const role = state.claims.role;
  if (role === 'lead_admin' && state.claims.school_id === g.lead_school_id) {
    q('#todo-card').innerHTML = `<section class="card"><h2>${esc(t('todo'))}</h2><div id="todo"></div></section>`;
    todoCard(q('#todo'), () => officeTodo(groupId, state.claims.school_id, true));
  }
  groupScale(g);
  groupOffice(g, list.members);
  groupAgreements(g, list.members);
  groupMajorMatters(g, list.members);
  if (role === 'bureau' || (role === 'lead_admin' && state.claims.school_id === g.lead_school_id)) {
    const inGroup = new Set(list.members.filter(m => !m.left_at).map(m => m.school_id));
    const candidates = [...names.values()].filter(s => s.id && !inGroup.has(s.id));
    q('#admit').innerHTML = `<form id="admit-form" class="inline"><label>${esc(t('school'))}<select name="school_id" id="admit-school">
      <option value="">${esc(t('choose'))}</option>${candidates.map(s => `<option value="${s.id}">${esc(s.name)} (${esc(en('stage', s.stage))})</option>`).join('')}</select></label>
      <label>${esc(bi('或外县学校编号(由该县教育局提供)', 'or a school of another county, by its id'))}<input name="far_school_id" id="admit-far" size="36"></label>
      <button type="submit" id="admit-button">${esc(t('admit'))}</button></form>`;
    q('#admit-form').addEventListener('submit', async e => {
      e.preventDefault();
      const body = { school_id: q('#admit-far').value.trim() || q('#admit-school').value };
      let reply = null;
      const ok = await act(q('#admit-button'), async () => {
        reply = await api('POST', `/groups/${groupId}/members`, body, { headers: { 'Idempotency-Key': idempotencyKey() } });
      });
      const waiting = admissionNotice(reply); // consent.js: a school of another county waits
      if (!ok) return;
      placeAfter(q('#admit-button'), `<div class="done" role="status"${waiting ? ' data-testid="consent-waiting"' : ''}>${esc(waiting ?? t('admitted'))}</div>`);
      if (!waiting) setTimeout(() => pageGroup(groupId), 400);
    });
  }
  fill(q('#council'), async () => {
    const c = await api('GET', `/groups/${groupId}/council`);
    return table([t('role'), t('holder'), t('post'), t('school')], c.seats.map(s => [
      esc(en('seat_role', s.role)), esc(s.holder_name), esc(en('leader_post', s.post)), esc(s.school_name)]), 'council') +
      (c.missing.length ? `<p class="refusal">${esc(bi('缺少', 'missing'))}: ${c.missing.map(r => esc(en('seat_role', r))).join('、')}</p>` : '');
  });
  fill(q('#charter-in-force'), () => charterInForceHtml(groupId)); // charter.js
  const loadLedger = () => fill(q('#ledger'), async () => ledgerTable(await api('GET', `/groups/${groupId}/obligations?period=${q('#period').value}`), names));
  q('#period').addEventListener('change', loadLedger);
  loadLedger();
  fill(q('#rotation'), async () => rotationChart(await api('GET', `/groups/${groupId}/rotation?year=${schoolYearOf(today())}`)));
  // the lead school's notifications for the bureau and the lead office; a member school's own
  // for its office and teachers (nobody else reads a school's feed)
  fill(q('#feed'), () => feedHtml(['member_admin', 'teacher'].includes(role) ? state.claims.school_id : g.lead_school_id));
  // R-11: the group's county bureau and auditors and its lead office read the refused transfers
  const overseer = ((role === 'bureau' || role === 'auditor') && state.claims.region === g.region) ||
    (role === 'lead_admin' && state.claims.school_id === g.lead_school_id);
  if (overseer) {
    q('#brand-refusals-card').innerHTML = `<section class="card"><h2>${esc(t('brand_refusals'))} <small class="muted">R-11</small></h2><div id="brand-refusals">${esc(t('loading'))}</div></section>`;
    fill(q('#brand-refusals'), () => brandRefusalsHtml(groupId, names));
  }
}

// G-09: the member schools' major matters, each with the council decision that decided it.
// The lead office records any member school's, a member school's office its own; the
// decisions offered are the council's passed member_major_matter decisions about the school
// chosen (whether one fits is the API's to judge, and its refusal says what is missing).
function groupMajorMatters(g, members) {
  const claims = state.claims;
  const load = () => fill(q('#major-matters'), async () => {
    const page = await api('GET', `/groups/${g.id}/major-matters?limit=200`);
    return table([t('school'), t('kind'), t('matter_title'), t('effective_on'), t('decision')], page.items.map(m => [
      esc(m.school_name), esc(en('major_matter_kind', m.kind)),
      esc(m.title) + (m.description ? `<br><small class="muted">${esc(m.description)}</small>` : ''),
      fmtDate(m.effective_on), `${esc(m.decision_title)} <small class="muted">${esc(fmtDate(m.decided_on))}</small>`]), 'major-matters', { total: page.total });
  });
  load();
  if (g.status !== 'active') return;
  const active = members.filter(m => !m.left_at && m.role === 'member');
  const leadOffice = claims.role === 'lead_admin' && claims.school_id === g.lead_school_id;
  const choices = leadOffice ? active : active.filter(m => claims.role === 'member_admin' && m.school_id === claims.school_id);
  if (!choices.length) return;
  q('#major-matter-form').innerHTML = `<form id="major-matter"><div class="actions">
    <label>${esc(t('school'))}<select name="school_id" id="mm-school">${choices.map(m => `<option value="${esc(m.school_id)}">${esc(m.school_name)}</option>`).join('')}</select></label>
    <label>${esc(t('kind'))}<select name="kind" id="mm-kind">${options('major_matter_kind', 'principal_appointment_or_removal')}</select></label>
    <label>${esc(t('effective_on'))}<input type="date" name="effective_on" id="mm-date" value="${esc(today())}" required></label></div>
    <label>${esc(t('matter_title'))}<input name="title" id="mm-title" size="40" required></label>
    <label>${esc(t('matter_description'))}<textarea name="description" id="mm-description"></textarea></label>
    <div class="actions"><label>${esc(t('decision_cited'))}<select name="decision_id" id="mm-decision"></select></label>
    <button type="submit" id="mm-button">${esc(t('record_major_matter'))}</button></div></form>`;
  const loadDecisions = async () => {
    const select = q('#mm-decision');
    const school = q('#mm-school').value;
    let decisions = [];
    try {
      const page = await api('GET', `/groups/${g.id}/decisions?category=member_major_matter&school_id=${encodeURIComponent(school)}&limit=200`);
      decisions = page.items.slice().reverse();
    } catch (err) {
      placeAfter(select, refusalHtml(err));
    }
    if (q('#mm-school').value !== school) return; // another school was chosen meanwhile
    select.innerHTML = decisions.length
      ? decisions.map(d => `<option value="${esc(d.id)}">${esc(d.title)} (${esc(fmtDate(d.decided_on))})</option>`).join('')
      : `<option value="">${esc(t('no_decision'))}</option>`;
  };
  q('#mm-school').addEventListener('change', loadDecisions);
  loadDecisions();
  q('#major-matter').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { school_id: f.school_id.value, kind: f.kind.value, title: f.title.value, description: f.description.value.trim() || null,
      effective_on: f.effective_on.value, decision_id: f.decision_id.value || null };
    if (await act(q('#mm-button'), () => api('POST', `/groups/${g.id}/major-matters`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('recorded'))) {
      f.title.value = '';
      f.description.value = '';
      load();
    }
  });
}

// F-08/V-07: the bureau's scale decisions and the lead school's yearly quality, with the
// bureau's forms to change the one and record the other.
function groupScale(g) {
  const isBureau = state.claims.role === 'bureau' && g.status === 'active';
  const canReadQuality = ['bureau', 'auditor'].includes(state.claims.role) || state.claims.school_id === g.lead_school_id;
  const load = () => fill(q('#scale'), async () => {
    const [decisions, quality] = await Promise.all([
      api('GET', `/groups/${g.id}/scale-decisions`),
      canReadQuality ? api('GET', `/schools/${g.lead_school_id}/lead-quality`) : Promise.resolve(null),
    ]);
    const latest = quality?.find(r => !r.superseded);
    const gate = latest && !latest.improving ? `<p class="refusal" data-testid="lead-gate">${esc(t('gate_closed'))}</p>` : '';
    const cap = c => c == null ? esc(t('model_cap')) : String(c);
    const decisionRows = table([t('decided_at'), t('scale_cap'), t('effective_cap'), t('members'), t('reason'), t('changed_by'), t('policy_version')],
      decisions.slice().reverse().map(d => [fmtDate(d.decided_at), `${cap(d.previous_scale_cap)} → ${cap(d.scale_cap)}`, String(d.effective_cap),
        String(d.active_members), esc(d.reason), esc(d.decided_by), String(d.policy_version)]), 'scale-decisions');
    const qualityRows = quality ? table([t('year'), t('score'), t('improving'), t('evidence'), t('recorded_by')],
      quality.map(r => [esc(fmtYear(r.school_year)) + (r.superseded ? ` <small class="muted">${esc(t('superseded'))}</small>` : ''), String(r.score),
        esc(r.improving ? t('yes_word') : t('no_word')), esc(r.evidence.join(';')), esc(r.recorded_by)]), 'lead-quality') : '';
    return `${gate}<h3>${esc(t('scale_decisions'))}</h3>${decisionRows}${quality ? `<h3>${esc(t('lead_quality'))}</h3>${qualityRows}` : ''}`;
  });
  load();
  if (!isBureau) return;
  q('#scale-forms').innerHTML = `<form id="scale-form" class="inline"><label>${esc(t('scale_cap'))}<input type="number" min="1" name="scale_cap" class="w5" placeholder="${esc(t('model_cap'))}"></label>
    <label>${esc(t('reason'))}<input name="reason" size="30"></label><button type="submit" id="scale-button">${esc(t('change_scale'))}</button></form>
    <form id="quality-form" class="inline"><label>${esc(t('year'))}<select name="school_year">${yearOptions(schoolYearOf(today()) - 1)}</select></label>
    <label>${esc(t('score'))}<input type="number" step="0.1" min="0" max="100" name="score" class="w5"></label>
    <label>${esc(t('improving'))}<select name="improving"><option value="">${esc(bi('按上年得分判断', 'from last year'))}</option><option value="true">${esc(t('yes_word'))}</option><option value="false">${esc(t('no_word'))}</option></select></label>
    <label>${esc(t('evidence'))}<input name="evidence" size="24"></label><button type="submit" id="quality-button">${esc(t('record_quality'))}</button></form>`;
  q('#scale-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { scale_cap: f.scale_cap.value === '' ? null : Number(f.scale_cap.value), reason: f.reason.value };
    if (await act(q('#scale-button'), () => api('PUT', `/groups/${g.id}/scale`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) {
      setTimeout(() => pageGroup(g.id), 400);
    }
  });
  q('#quality-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { school_year: Number(f.school_year.value), score: Number(f.score.value), improving: f.improving.value === '' ? null : f.improving.value === 'true',
      evidence: f.evidence.value.split(/[\n;;]/).map(x => x.trim()).filter(Boolean) };
    if (await act(q('#quality-button'), () => api('POST', `/schools/${g.lead_school_id}/lead-quality`, body, { headers: { 'Idempotency-Key': idempotencyKey() } }), t('saved'))) {
      load();
    }
  });
}

// ---------------------------------------------------------------- a group: sanctions

async function pageSanctions(groupId) {
  const role = state.claims.role;
  main().innerHTML = `<h1>${esc(t('sanctions'))} <small class="muted" id="group-title"></small></h1>
    <section class="card"><h2>${esc(t('warnings'))}</h2><div id="warnings">${esc(t('loading'))}</div><div id="warn"></div></section>
    <section class="card"><h2>${esc(t('persuade_outs'))}</h2><div id="persuade"></div><div id="persuade-new"></div></section>`;
  groupTrail(groupId, [`#/group/${groupId}/sanctions`, t('sanctions')]);
  let list;
  try {
    list = await api('GET', `/groups/${groupId}/members`);
  } catch (err) {
    q('#warnings').innerHTML = refusalHtml(err);
    return;
  }
  q('#group-title').textContent = list.group.name;
  const members = list.members.filter(m => m.role === 'member' && !m.left_at);
  const names = new Map(list.members.map(m => [m.school_id, { name: m.school_name }]));
  const memberSelect = id => `<label>${esc(t('school'))}<select name="school_id" id="${id}" required><option value="">${esc(t('choose'))}</option>${members.map(m => `<option value="${m.school_id}">${esc(m.school_name)}</option>`).join('')}</select></label>`;
  await fill(q('#warnings'), async () => {
    const s = await api('GET', `/groups/${groupId}/sanctions`);
    q('#persuade').innerHTML = table([t('school'), t('reason'), t('status'), t('actions')], s.persuade_outs.map(p => [
      esc(nameOf(names, p.school_id)), esc(p.reason), badge('po_status', p.status),
      role === 'bureau' && p.status === 'proposed' ? `<div class="actions" data-school="${p.school_id}"><button type="button" class="secondary" data-decide="true">${esc(t('decide'))}</button><button type="button" class="secondary" data-decide="false">${esc(t('reject_po'))}</button></div>` : '']), 'persuade-outs');
    return table([t('school'), t('reason'), t('evidence'), t('issued'), t('status')], s.warnings.map(w => [
      esc(nameOf(names, w.school_id)), esc(w.reason), esc(w.evidence.join('; ')), fmtDate(w.issued_at), w.active ? `<span class="badge overdue">${esc(bi('有效', 'active'))}</span>` : '']), 'warnings');
  });
  q('#persuade').querySelectorAll('[data-decide]').forEach(b => b.addEventListener('click', async () => {
    const school = b.closest('[data-school]').dataset.school;
    if (await act(b, () => api('POST', `/groups/${groupId}/members/${school}/persuade-out/decision`, { confirm: b.dataset.decide === 'true' }), t('saved'))) setTimeout(() => pageSanctions(groupId), 500);
  }));
  if (role !== 'lead_admin') return;
  q('#warn').innerHTML = `<form id="warn-form"><div class="actions">${memberSelect('warn-school')}<label>${esc(t('reason'))}<input name="reason" size="30" required></label></div>
    <label>${esc(t('evidence'))}<textarea name="evidence"></textarea></label><div class="actions"><button type="submit" id="warn-button">${esc(t('warn'))}</button></div></form>`;
  q('#warn-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { reason: f.reason.value, evidence: f.evidence.value.split('\n').map(s => s.trim()).filter(Boolean) };
    if (await act(q('#warn-button'), () => api('POST', `/groups/${groupId}/members/${f.school_id.value}/warnings`, body), t('issued'))) setTimeout(() => pageSanctions(groupId), 500);
  });
  const decisions = await api('GET', `/groups/${groupId}/decisions?limit=100`).then(p => p.items).catch(() => []);
  q('#persuade-new').innerHTML = `<form id="persuade-form" class="inline">${memberSelect('persuade-school')}<label>${esc(t('reason'))}<input name="reason" size="24" required></label>
    <label>${esc(t('decision'))}<select name="decision_id"><option value="">—</option>${decisions.map(d => `<option value="${d.id}">${esc(d.title)} (${fmtDate(d.decided_on)})</option>`).join('')}</select></label>
    <button type="submit" id="persuade-button">${esc(t('propose_persuade_out'))}</button></form>`;
  q('#persuade-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { reason: f.reason.value, decision_id: f.decision_id.value || null };
    if (await act(q('#persuade-button'), () => api('POST', `/groups/${groupId}/members/${f.school_id.value}/persuade-out`, body), t('saved'))) setTimeout(() => pageSanctions(groupId), 500);
  });
}

// ---------------------------------------------------------------- member school: home

async function pageSchool() {
  const claims = state.claims;
  main().innerHTML = `<h1 id="school-name">${esc(t('school_home'))}</h1><p id="school-group"></p><div id="todo-card"></div>
    <div class="grid"><section class="card"><h2>${esc(t('my_obligations'))} ${periodPicker('period', currentSemesterPeriod())}</h2><div id="charter-in-force"></div><div id="ledger">${esc(t('loading'))}</div></section>
    <section class="card"><h2>${esc(t('notifications'))}</h2><div id="feed"></div></section></div>
    <section class="card"><h2>${esc(t('my_postings'))} · ${esc(fmtYear(schoolYearOf(today())))}</h2><div id="postings"></div></section>
    <section class="card"><h2>${esc(t('to_attend'))}</h2><div id="meetings"></div></section>`;
  const names = await schools().catch(() => new Map());
  q('#school-name').textContent = nameOf(names, claims.school_id) || t('school_home');
  let group;
  try {
    group = await myGroup();
  } catch (err) {
    q('#school-group').innerHTML = refusalHtml(err);
    return;
  }
  if (!group) {
    q('#school-group').textContent = t('no_group');
    return;
  }
  q('#school-group').innerHTML = `${esc(t('group'))}: <b>${esc(group.name)}</b> · <a href="#/group/${group.id}/catalogue">${esc(t('catalogue'))}</a> · <a href="#/group/${group.id}/postings">${esc(t('postings'))}</a> · <a href="#/group/${group.id}/meetings">${esc(t('meetings'))}</a> · <a href="#/group/${group.id}/charter">${esc(t('charter'))}</a>`;
  if (claims.role === 'member_admin') {
    q('#todo-card').innerHTML = `<section class="card"><h2>${esc(t('todo'))}</h2><div id="todo"></div></section>`;
    todoCard(q('#todo'), () => officeTodo(group.id, claims.school_id, false));
  }
  fill(q('#charter-in-force'), () => charterInForceHtml(group.id)); // charter.js
  const loadLedger = () => fill(q('#ledger'), async () => ledgerTable(await api('GET', `/groups/${group.id}/obligations?period=${q('#period').value}&school_id=${claims.school_id}`), names));
  q('#period').addEventListener('change', loadLedger);
  loadLedger();
  fill(q('#feed'), () => feedHtml(claims.school_id));
  fill(q('#postings'), async () => {
    const page = await api('GET', `/groups/${group.id}/postings?school_year=${schoolYearOf(today())}&school_id=${claims.school_id}&limit=200`);
    return table([t('teacher'), `${t('from')} → ${t('to')}`, t('kind'), t('term'), t('status')], page.items.map(p => [
      esc(p.teacher_name), `${esc(nameOf(names, p.from_school_id))} → ${esc(nameOf(names, p.to_school_id))}`, esc(en('posting_kind', p.kind)),
      `${fmtDate(p.start)} – ${fmtDate(p.end)}`, badge('posting_status', p.status)]), 'my-postings');
  });
  fill(q('#meetings'), () => upcomingMeetingsHtml(group.id)); // teacher.js
}

async function groupNames() {
  const page = await api('GET', '/groups?limit=200&include_dissolved=true');
  return new Map(page.items.map(g => [g.id, g]));
}

// ---------------------------------------------------------------- frame and routes

function navFor(claims, groupId) {
  const links = [];
  const g = groupId ? `#/group/${groupId}` : null;
  switch (claims.role) {
    case 'bureau':
      links.push(['#/county', t('county')], ['#/evaluation', t('evaluation')], ['#/policy', t('policy')], ['#/history', t('history')]);
      break;
    case 'auditor':
      links.push(['#/county', t('county')], ['#/evaluation', t('evaluation')]);
      break;
    case 'lead_admin':
      if (g) links.push([g, t('group_home')], [`${g}/postings`, t('postings')], [`${g}/meetings`, t('meetings')], [`${g}/charter`, t('charter')], [`${g}/catalogue`, t('catalogue')], [`${g}/sanctions`, t('sanctions')], [`${g}/funds`, bi('经费', 'Funds')]);
      break;
    default:
      links.push(['#/school', t('school_home')]);
      if (g) links.push([g, t('group_home')], [`${g}/catalogue`, t('catalogue')], ...(claims.role === 'teacher' ? [] : [[`${g}/postings`, t('postings')]]), [`${g}/meetings`, t('meetings')], [`${g}/charter`, t('charter')], ...(claims.role === 'teacher' ? [] : [[`${g}/funds`, bi('经费', 'Funds')]]));
  }
  return links;
}

async function frame() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  q('#brand').textContent = t('title');
  q('#lang-switch').textContent = state.lang === 'zh' ? 'English' : '中文';
  q('#menu-toggle').textContent = bi('菜单', 'Menu');
  q('#nav').classList.remove('open');
  q('#menu-toggle').setAttribute('aria-expanded', 'false');
  q('#sign-out').textContent = t('signout');
  q('#sign-out').hidden = !state.token;
  if (!state.claims) {
    q('#nav').innerHTML = '';
    q('#who').textContent = '';
    showTodoCount(0); // todo.js
    return;
  }
  if (state.groupId === undefined && state.claims.role !== 'bureau' && state.claims.role !== 'auditor') {
    state.groupId = (await myGroup().catch(() => null))?.id ?? null;
  }
  const here = location.hash.split('?')[0];
  q('#nav').innerHTML = navFor(state.claims, state.groupId).map(([href, label]) =>
    `<a href="${href}"${href === here ? ' class="on"' : ''}>${esc(label)}</a>`).join('');
  q('#who').textContent = `${state.claims.name || state.claims.sub} · ${en('role', state.claims.role)}`;
  home().then(href => todoBadge(state.claims, state.groupId, href)); // todo.js
}

async function home() {
  const role = state.claims.role;
  if (role === 'bureau' || role === 'auditor') return '#/county';
  if (role === 'lead_admin' && state.groupId) return `#/group/${state.groupId}`;
  return '#/school';
}

async function route() {
  if (state.token && !state.claims) state.claims = decodeClaims(state.token);
  const hash = location.hash.split('?')[0] || '#/';
  if (!state.claims) {
    if (hash !== '#/signin') { location.hash = '#/signin'; return; }
    await frame();
    return pageSignIn();
  }
  await frame();
  if (hash === '#/' || hash === '#/signin' || hash === '') {
    location.hash = await home();
    return;
  }
  let m;
  if (hash === '#/county') return pageCounty();
  if (hash === '#/policy') return pagePolicy();
  if (hash === '#/history' && state.claims.role === 'bureau') return pageHistory(); // history.js
  if (hash === '#/school') return state.claims.role === 'teacher' ? pageTeacher() : pageSchool(); // teacher.js
  // evaluation.js
  if (hash === '#/evaluation') return pageEvaluation();
  if (hash === '#/evaluation/data' && state.claims.role === 'bureau') return pageEvaluationData();
  if ((m = hash.match(/^#\/evaluation\/([0-9a-f-]+)$/))) return pageRound(m[1]);
  if ((m = hash.match(/^#\/evaluation\/([0-9a-f-]+)\/group\/([0-9a-f-]+)$/))) return pageScorecard(m[1], m[2]);
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)$/))) return pageGroup(m[1]);
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)\/postings$/))) return pagePostings(m[1]);
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)\/meetings$/))) return pageMeetings(m[1]);
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)\/charter$/))) return pageCharter(m[1]); // charter.js
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)\/catalogue$/))) return pageCatalogue(m[1]); // library.js
  if ((m = hash.match(/^#\/resource\/([0-9a-f-]+)$/))) return pageResource(m[1]); // library.js
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)\/sanctions$/))) return pageSanctions(m[1]);
  if ((m = hash.match(/^#\/group\/([0-9a-f-]+)\/funds$/)) && state.claims.role !== 'teacher') return pageFunds(m[1]); // funds.js
  if ((m = hash.match(/^#\/meeting\/([0-9a-f-]+)$/))) return pageMeeting(m[1]);
  if ((m = hash.match(/^#\/meeting\/([0-9a-f-]+)\/corrections$/))) return pageCorrections(m[1]);
  location.hash = await home();
}

// On a phone the menu folds away behind a button.
q('#menu-toggle').addEventListener('click', () => {
  const open = q('#nav').classList.toggle('open');
  q('#menu-toggle').setAttribute('aria-expanded', String(open));
});
q('#lang-switch').addEventListener('click', () => {
  state.lang = state.lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('edugroup.lang', state.lang);
  route();
});
q('#sign-out').addEventListener('click', () => {
  state.groupId = undefined;
  signOut(null);
});
window.addEventListener('hashchange', route);
route();
