package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/policy"
)

// rule is a route's policy. The zero rule is "undeclared" and refused by New.
type rule struct {
	kind   int
	action policy.Action
}

const (
	rulePublic = iota + 1
	ruleAction
)

// public routes need no login (login form, health, static files).
func public() rule { return rule{kind: rulePublic} }

// need requires a signed-in actor whom policy allows act on some resource;
// handlers then check the specific resource with s.authorize.
func need(act policy.Action) rule { return rule{kind: ruleAction, action: act} }

type handlerFunc func(w http.ResponseWriter, r *http.Request, rq *req) error

type route struct {
	method, pattern string
	policy          rule
	api             bool
	// purpose is recorded in the audit log for views that show personal data
	// and for writes.
	purpose string
	handle  handlerFunc
}

// Purposes a route declares: the use cases record them (internal/app owns
// them); a writing route without one is refused at start-up.
const (
	purposeCasework = app.PurposeCasework
	purposeAdmin    = app.PurposeAdmin
	purposeFollow   = app.PurposeFollow
	purposeSignIn   = app.PurposeSignIn
	purposeAccount  = app.PurposeAccount
	purposeSurvey   = app.PurposeSurvey
	purposeRespond  = app.PurposeRespond
	purposeResearch = app.PurposeResearch
	purposeLearning = app.PurposeLearning
	purposeTrial    = app.PurposeTrial
)

// routeTable is the whole HTTP surface of HOLF, one line a route.
func (s *Server) routeTable() []route {
	return []route{
		{method: "GET", pattern: "/healthz", policy: public(), handle: s.healthz},
		{method: "GET", pattern: "/static/{file}", policy: public(), handle: s.static},
		{method: "GET", pattern: "/favicon.ico", policy: public(), handle: s.favicon},
		{method: "GET", pattern: "/login", policy: public(), handle: s.loginForm},
		{method: "POST", pattern: "/login", policy: public(), purpose: purposeSignIn, handle: s.login},
		{method: "POST", pattern: "/lang", policy: public(), handle: s.setLanguage},

		{method: "GET", pattern: "/{$}", policy: need(policy.ViewStart), handle: s.home},
		{method: "POST", pattern: "/logout", policy: need(policy.ViewStart), purpose: purposeSignIn, handle: s.logout},

		{method: "GET", pattern: "/families", policy: need(policy.FamilyList), handle: s.caseload},
		{method: "GET", pattern: "/families/new", policy: need(policy.FamilyManage), handle: s.familyNew},
		{method: "POST", pattern: "/families", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.familyCreate},
		{method: "GET", pattern: "/families/{id}", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.familyShow},
		{method: "GET", pattern: "/families/{id}/edit", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.familyEdit},
		{method: "POST", pattern: "/families/{id}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.familyUpdate},
		{method: "GET", pattern: "/families/{id}/mapping", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.mappingShow},
		{method: "POST", pattern: "/families/{id}/mapping", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.mappingSave},
		{method: "POST", pattern: "/families/{id}/mapping/sections/{section}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.mappingSectionSave},
		{method: "POST", pattern: "/families/{id}/mapping/sections/{section}/draft", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.mappingSectionDraft},
		{method: "GET", pattern: "/families/{id}/mapping/history", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.mappingHistory},
		{method: "GET", pattern: "/families/{id}/plan", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.planShow},
		{method: "GET", pattern: "/families/{id}/plan/print", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.planPrint},
		{method: "POST", pattern: "/families/{id}/plan/goals", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.goalAdd},
		{method: "GET", pattern: "/families/{id}/plan/goals/{gid}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.goalEdit},
		{method: "POST", pattern: "/families/{id}/plan/goals/{gid}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.goalUpdate},
		{method: "GET", pattern: "/families/{id}/plan/activities/new", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.activityNew},
		{method: "POST", pattern: "/families/{id}/plan/activities", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.activityAdd},
		{method: "GET", pattern: "/families/{id}/plan/activities/{aid}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.activityEdit},
		{method: "POST", pattern: "/families/{id}/plan/activities/{aid}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.activityUpdate},
		{method: "POST", pattern: "/families/{id}/plan/activities/{aid}/status", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.activityStatus},
		{method: "POST", pattern: "/families/{id}/status", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.familyStatus},
		{method: "GET", pattern: "/families/{id}/meetings/new", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.meetingNew},
		{method: "POST", pattern: "/families/{id}/meetings", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.meetingCreate},
		{method: "GET", pattern: "/families/{id}/meetings/{mid}", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.meetingShow},
		{method: "GET", pattern: "/families/{id}/meetings/{mid}/journal", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.meetingJournal},
		{method: "GET", pattern: "/families/{id}/meetings/{mid}/menu", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.meetingMenu},
		{method: "POST", pattern: "/families/{id}/meetings/{mid}/delete", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.meetingDelete},
		{method: "GET", pattern: "/families/{id}/meetings/{mid}/{part}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.meetingEdit},
		{method: "POST", pattern: "/families/{id}/meetings/{mid}/{part}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.meetingSave},
		{method: "POST", pattern: "/families/{id}/meetings/{mid}/{part}/draft", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.meetingDraft},
		{method: "GET", pattern: "/families/{id}/contacts/new", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.contactNew},
		{method: "POST", pattern: "/families/{id}/contacts", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.contactAdd},
		{method: "GET", pattern: "/families/{id}/contacts/{cid}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.contactEdit},
		{method: "POST", pattern: "/families/{id}/contacts/{cid}", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.contactUpdate},
		{method: "POST", pattern: "/families/{id}/contacts/{cid}/delete", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.contactDelete},
		{method: "GET", pattern: "/families/{id}/consents", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.consentList},
		{method: "GET", pattern: "/families/{id}/trial-consent", policy: need(policy.FamilyView), purpose: purposeResearch, handle: s.trialConsentShow},
		{method: "POST", pattern: "/families/{id}/trial-consent", policy: need(policy.FamilyManage), purpose: purposeResearch, handle: s.trialConsentSave},
		{method: "POST", pattern: "/families/{id}/consents", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.consentAdd},
		{method: "GET", pattern: "/families/{id}/consents/{cid}", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.consentShow},
		{method: "POST", pattern: "/families/{id}/consents/{cid}/withdraw", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.consentWithdraw},
		{method: "GET", pattern: "/families/{id}/network", policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.networkShow},
		{method: "POST", pattern: "/families/{id}/network/involvements", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.involvementAdd},
		{method: "POST", pattern: "/families/{id}/network/involvements/{iid}/end", policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.involvementEnd},
		{method: "GET", pattern: "/families/{id}/network/extract", policy: need(policy.ShareExtract), purpose: purposeCasework, handle: s.extract},
		{method: "POST", pattern: "/families/{id}/escalations", policy: need(policy.EscalationRaise), purpose: purposeCasework, handle: s.escalationRaise},
		{method: "POST", pattern: "/families/{id}/escalations/{eid}", policy: need(policy.EscalationHandle), purpose: purposeCasework, handle: s.escalationHandle},
		{method: "POST", pattern: "/api/v1/families/{id}/consents", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiConsentAdd},
		{method: "POST", pattern: "/api/v1/families/{id}/consents/{cid}/withdraw", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiConsentWithdraw},
		{method: "POST", pattern: "/api/v1/offices/{id}/partners", api: true, policy: need(policy.PartnerManage), purpose: purposeCasework, handle: s.apiPartnerAdd},
		{method: "POST", pattern: "/api/v1/families/{id}/escalations", api: true, policy: need(policy.EscalationRaise), purpose: purposeCasework, handle: s.apiEscalationRaise},
		{method: "PATCH", pattern: "/api/v1/families/{id}/escalations/{eid}", api: true, policy: need(policy.EscalationHandle), purpose: purposeCasework, handle: s.apiEscalationPatch},
		{method: "GET", pattern: "/api/v1/families/{id}/network", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiNetworkShow},
		{method: "GET", pattern: "/offices/{id}/partners", policy: need(policy.PartnerView), purpose: purposeCasework, handle: s.partnerList},
		{method: "GET", pattern: "/offices/{id}/partners/new", policy: need(policy.PartnerManage), purpose: purposeCasework, handle: s.partnerNew},
		{method: "GET", pattern: "/offices/{id}/partners/export.csv", policy: need(policy.PartnerView), purpose: purposeCasework, handle: s.partnerExport},
		{method: "POST", pattern: "/offices/{id}/partners", policy: need(policy.PartnerManage), purpose: purposeCasework, handle: s.partnerSave},
		{method: "POST", pattern: "/offices/{id}/partners/import", policy: need(policy.PartnerManage), purpose: purposeCasework, handle: s.partnerImport},
		{method: "GET", pattern: "/offices/{id}/targets", policy: need(policy.TargetView), purpose: purposeCasework, handle: s.targetList},
		{method: "POST", pattern: "/offices/{id}/targets/import", policy: need(policy.TargetImport), purpose: purposeCasework, handle: s.targetImport},
		{method: "GET", pattern: "/offices/{id}/targets/{tid}", policy: need(policy.TargetRecord), purpose: purposeCasework, handle: s.targetShow},
		{method: "POST", pattern: "/offices/{id}/targets/{tid}", policy: need(policy.TargetRecord), purpose: purposeCasework, handle: s.targetRecord},
		{method: "GET", pattern: "/offices/{id}/partners/{pid}", policy: need(policy.PartnerManage), purpose: purposeCasework, handle: s.partnerEdit},
		{method: "POST", pattern: "/offices/{id}/partners/{pid}", policy: need(policy.PartnerManage), purpose: purposeCasework, handle: s.partnerSave},
		{method: "GET", pattern: "/calendar", policy: need(policy.CalendarOwn), handle: s.calendarShow},
		{method: "POST", pattern: "/calendar/renew", policy: need(policy.CalendarOwn), purpose: purposeAccount, handle: s.calendarRenew},
		{method: "POST", pattern: "/calendar/revoke", policy: need(policy.CalendarOwn), purpose: purposeAccount, handle: s.calendarRevoke},
		{method: "GET", pattern: "/calendar/{secret}", policy: public(), purpose: purposeCasework, handle: s.calendarFeed},

		{method: "GET", pattern: "/supervision", policy: need(policy.GroupView), purpose: purposeLearning, handle: s.supervisionList},
		{method: "GET", pattern: "/supervision/topics", policy: need(policy.TopicStats), handle: s.topicStats},
		{method: "GET", pattern: "/supervision/groups/new", policy: need(policy.GroupManage), handle: s.groupNew},
		{method: "POST", pattern: "/supervision/groups", policy: need(policy.GroupManage), purpose: purposeLearning, handle: s.groupSave},
		{method: "GET", pattern: "/supervision/groups/{id}", policy: need(policy.GroupView), purpose: purposeLearning, handle: s.groupShow},
		{method: "GET", pattern: "/supervision/groups/{id}/edit", policy: need(policy.GroupManage), purpose: purposeLearning, handle: s.groupEdit},
		{method: "POST", pattern: "/supervision/groups/{id}", policy: need(policy.GroupManage), purpose: purposeLearning, handle: s.groupSave},
		{method: "POST", pattern: "/supervision/groups/{id}/sessions", policy: need(policy.SessionManage), purpose: purposeLearning, handle: s.sessionSave},
		{method: "POST", pattern: "/supervision/groups/{id}/sessions/{sid}", policy: need(policy.SessionManage), purpose: purposeLearning, handle: s.sessionSave},
		{method: "GET", pattern: "/supervision/groups/{id}/sessions/{sid}/run", policy: need(policy.SessionRun), purpose: purposeLearning, handle: s.sessionRun},
		{method: "POST", pattern: "/supervision/groups/{id}/sessions/{sid}/run", policy: need(policy.SessionRun), purpose: purposeLearning, handle: s.sessionRound},
		{method: "GET", pattern: "/families/{id}/supervision/new", policy: need(policy.CasePrepare), purpose: purposeLearning, handle: s.caseNew},
		{method: "POST", pattern: "/families/{id}/supervision", policy: need(policy.CasePrepare), purpose: purposeLearning, handle: s.caseSave},
		{method: "GET", pattern: "/families/{id}/supervision/{cid}", policy: need(policy.CasePrepare), purpose: purposeLearning, handle: s.caseEdit},
		{method: "POST", pattern: "/families/{id}/supervision/{cid}", policy: need(policy.CasePrepare), purpose: purposeLearning, handle: s.caseSave},
		{method: "POST", pattern: "/families/{id}/reviews", policy: need(policy.ReviewRequest), purpose: purposeLearning, handle: s.reviewRequest},
		{method: "GET", pattern: "/families/{id}/reviews/{rid}", policy: need(policy.ReviewView), purpose: purposeLearning, handle: s.reviewShow},
		{method: "POST", pattern: "/families/{id}/reviews/{rid}", policy: need(policy.ReviewGive), purpose: purposeLearning, handle: s.reviewDecide},
		{method: "GET", pattern: "/reviews", policy: need(policy.ReviewGive), purpose: purposeLearning, handle: s.reviewQueue},
		{method: "GET", pattern: "/logs", policy: need(policy.LogView), purpose: purposeLearning, handle: s.logList},
		{method: "POST", pattern: "/logs", policy: need(policy.LogView), purpose: purposeLearning, handle: s.logAdd},
		{method: "GET", pattern: "/logs/export.csv", policy: need(policy.LogView), purpose: purposeLearning, handle: s.logExport},
		{method: "GET", pattern: "/follow-ups", policy: need(policy.FollowUpView), handle: s.followUps},
		{method: "GET", pattern: "/trial", policy: need(policy.TrialView), purpose: purposeTrial, handle: s.trialShow},
		{method: "GET", pattern: "/trial/setup", policy: need(policy.TrialManage), purpose: purposeTrial, handle: s.trialSetup},
		{method: "POST", pattern: "/trial/study", policy: need(policy.TrialManage), purpose: purposeTrial, handle: s.trialStudySave},
		{method: "POST", pattern: "/trial/sites", policy: need(policy.TrialManage), purpose: purposeTrial, handle: s.trialSitesSave},
		{method: "POST", pattern: "/trial/randomisations", policy: need(policy.TrialRandomise), purpose: purposeTrial, handle: s.trialPrepare},
		{method: "POST", pattern: "/trial/randomisations/{id}/confirm", policy: need(policy.TrialRandomise), purpose: purposeTrial, handle: s.trialConfirm},
		{method: "POST", pattern: "/trial/randomisations/{id}/cancel", policy: need(policy.TrialRandomise), purpose: purposeTrial, handle: s.trialCancel},
		{method: "POST", pattern: "/trial/corrections", policy: need(policy.TrialCorrect), purpose: purposeTrial, handle: s.trialCorrect},
		{method: "GET", pattern: "/trial/consort.csv", policy: need(policy.TrialView), purpose: purposeTrial, handle: s.trialConsortCSV},
		{method: "GET", pattern: "/trial/report", policy: need(policy.TrialResults), purpose: purposeResearch, handle: s.trialReport},
		{method: "GET", pattern: "/trial/baseline", policy: need(policy.TrialResults), purpose: purposeResearch, handle: s.trialBaseline},
		{method: "GET", pattern: "/trial/baseline.csv", policy: need(policy.TrialResults), purpose: purposeResearch, handle: s.trialBaselineCSV},
		{method: "GET", pattern: "/trial/results", policy: need(policy.TrialReleased), purpose: purposeResearch, handle: s.trialResults},
		{method: "POST", pattern: "/trial/results/release", policy: need(policy.TrialRelease), purpose: purposeResearch, handle: s.trialRelease},
		{method: "POST", pattern: "/trial/results", policy: need(policy.TrialResults), purpose: purposeResearch, handle: s.trialCompute},
		{method: "GET", pattern: "/trial/results/bundle.zip", policy: need(policy.SurveyExport), purpose: purposeResearch, handle: s.trialBundle},
		{method: "GET", pattern: "/trial/results/attrition.csv", policy: need(policy.TrialReleased), purpose: purposeResearch, handle: s.trialAttritionCSV},
		{method: "GET", pattern: "/trial/results/effects.csv", policy: need(policy.TrialReleased), purpose: purposeResearch, handle: s.trialResultsCSV},
		{method: "GET", pattern: "/fidelity", policy: need(policy.FidelityView), handle: s.fidelityOverview},
		{method: "GET", pattern: "/fidelity/mine", policy: need(policy.FidelityOwn), handle: s.fidelityMine},
		{method: "GET", pattern: "/fidelity/offices/{id}", policy: need(policy.FidelityView), handle: s.fidelityOffice},
		{method: "GET", pattern: "/fidelity/offices/{id}/{indicator}", policy: need(policy.FidelityView), purpose: purposeLearning, handle: s.fidelityIndicator},
		{method: "GET", pattern: "/follow-ups/mine", policy: need(policy.FollowUpOwn), purpose: purposeAccount, handle: s.followUpMine},
		{method: "GET", pattern: "/offices/{id}/follow-ups", policy: need(policy.FollowUpView), purpose: purposeFollow, handle: s.followUpShow},
		{method: "POST", pattern: "/offices/{id}/follow-ups", policy: need(policy.FollowUpWrite), purpose: purposeFollow, handle: s.followUpSave},
		{method: "GET", pattern: "/seminars", policy: need(policy.SeminarView), purpose: purposeLearning, handle: s.seminarList},
		{method: "POST", pattern: "/seminars", policy: need(policy.SeminarManage), purpose: purposeLearning, handle: s.seminarSave},
		{method: "POST", pattern: "/seminars/{id}", policy: need(policy.SeminarManage), purpose: purposeLearning, handle: s.seminarSave},
		{method: "GET", pattern: "/api/v1/supervision-groups", api: true, policy: need(policy.GroupView), purpose: purposeLearning, handle: s.apiGroups},
		{method: "GET", pattern: "/api/v1/reviews", api: true, policy: need(policy.ReviewView), purpose: purposeLearning, handle: s.apiReviews},
		{method: "GET", pattern: "/api/v1/fidelity", api: true, policy: need(policy.FidelityView), handle: s.apiFidelity},
		{method: "GET", pattern: "/api/v1/trial", api: true, policy: need(policy.TrialView), purpose: purposeTrial, handle: s.apiTrial},
		{method: "GET", pattern: "/api/v1/action-logs", api: true, policy: need(policy.LogView), purpose: purposeLearning, handle: s.apiLogs},

		{method: "GET", pattern: "/offices", policy: need(policy.OfficeList), handle: s.officeList},
		{method: "GET", pattern: "/offices/new", policy: need(policy.OfficeManage), handle: s.officeNew},
		{method: "POST", pattern: "/offices", policy: need(policy.OfficeManage), purpose: purposeAdmin, handle: s.officeCreate},
		{method: "GET", pattern: "/offices/{id}", policy: need(policy.OfficeView), handle: s.officeShow},
		{method: "GET", pattern: "/offices/{id}/edit", policy: need(policy.OfficeManage), handle: s.officeEdit},
		{method: "POST", pattern: "/offices/{id}", policy: need(policy.OfficeManage), purpose: purposeAdmin, handle: s.officeUpdate},

		{method: "GET", pattern: "/people", policy: need(policy.PersonList), handle: s.personList},
		{method: "GET", pattern: "/people/new", policy: need(policy.PersonManage), handle: s.personNew},
		{method: "POST", pattern: "/people", policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.personCreate},
		{method: "GET", pattern: "/people/{id}", policy: need(policy.PersonView), purpose: purposeFollow, handle: s.personShow},
		{method: "GET", pattern: "/people/{id}/edit", policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.personEdit},
		{method: "POST", pattern: "/people/{id}", policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.personUpdate},
		{method: "POST", pattern: "/people/{id}/disable", policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.personDisable},
		{method: "POST", pattern: "/people/{id}/enable", policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.personEnable},
		{method: "POST", pattern: "/people/{id}/password", policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.personPassword},

		{method: "GET", pattern: "/s/{token}", policy: public(), handle: s.respondShow},
		{method: "POST", pattern: "/s/{token}", policy: public(), purpose: purposeRespond, handle: s.respondSave},
		{method: "GET", pattern: "/surveys", policy: need(policy.SurveyTrack), handle: s.surveyOverview},
		{method: "POST", pattern: "/surveys/install", policy: need(policy.SurveySetup), purpose: purposeSurvey, handle: s.surveyInstall},
		{method: "GET", pattern: "/surveys/export", policy: need(policy.SurveyExport), purpose: purposeResearch, handle: s.surveyExport},
		{method: "GET", pattern: "/surveys/mine", policy: need(policy.SurveyOwn), handle: s.surveyMine},
		{method: "POST", pattern: "/surveys/mine", policy: need(policy.SurveyOwn), purpose: purposeRespond, handle: s.surveyMineOpen},
		{method: "GET", pattern: "/offices/{id}/surveys", policy: need(policy.SurveyManage), purpose: purposeSurvey, handle: s.surveyOffice},
		{method: "POST", pattern: "/offices/{id}/surveys/enrol", policy: need(policy.SurveyManage), purpose: purposeSurvey, handle: s.surveyEnrol},
		{method: "POST", pattern: "/offices/{id}/surveys/links", policy: need(policy.SurveyManage), purpose: purposeSurvey, handle: s.surveyLink},
		{method: "GET", pattern: "/offices/{id}/surveys/paper/{rid}", policy: need(policy.SurveyManage), purpose: purposeSurvey, handle: s.paperForm},
		{method: "POST", pattern: "/offices/{id}/surveys/paper/{rid}", policy: need(policy.SurveyManage), purpose: purposeSurvey, handle: s.paperSave},

		{method: "GET", pattern: "/audit", policy: need(policy.AuditView), handle: s.auditList},

		{method: "GET", pattern: "/api/v1/me", api: true, policy: need(policy.ViewStart), handle: s.apiMe},
		{method: "GET", pattern: "/api/v1/families", api: true, policy: need(policy.FamilyList), handle: s.apiFamilies},
		{method: "GET", pattern: "/api/v1/families/{id}", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiFamily},
		{method: "PATCH", pattern: "/api/v1/families/{id}", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiFamilyPatch},
		{method: "GET", pattern: "/api/v1/families/{id}/plan", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiPlanGet},
		{method: "PATCH", pattern: "/api/v1/families/{id}/plan/activities/{aid}", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiActivityPatch},
		{method: "GET", pattern: "/api/v1/families/{id}/meetings", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiMeetings},
		{method: "POST", pattern: "/api/v1/families/{id}/meetings", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiMeetingCreate},
		{method: "GET", pattern: "/api/v1/families/{id}/meetings/{mid}", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiMeeting},
		{method: "PATCH", pattern: "/api/v1/families/{id}/meetings/{mid}", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiMeetingPatch},
		{method: "DELETE", pattern: "/api/v1/families/{id}/meetings/{mid}", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiMeetingDelete},
		{method: "GET", pattern: "/api/v1/families/{id}/contacts", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiContacts},
		{method: "POST", pattern: "/api/v1/families/{id}/contacts", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiContactCreate},
		{method: "PATCH", pattern: "/api/v1/families/{id}/contacts/{cid}", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiContactPatch},
		{method: "DELETE", pattern: "/api/v1/families/{id}/contacts/{cid}", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiContactDelete},
		{method: "GET", pattern: "/api/v1/families/{id}/consents", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiConsents},
		{method: "GET", pattern: "/api/v1/offices/{id}/partners", api: true, policy: need(policy.PartnerView), purpose: purposeCasework, handle: s.apiPartners},
		{method: "GET", pattern: "/api/v1/families/{id}/timeline", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiTimeline},
		{method: "GET", pattern: "/api/v1/families/{id}/mapping", api: true, policy: need(policy.FamilyView), purpose: purposeCasework, handle: s.apiMappingGet},
		{method: "PUT", pattern: "/api/v1/families/{id}/mapping", api: true, policy: need(policy.FamilyManage), purpose: purposeCasework, handle: s.apiMappingPut},
		{method: "GET", pattern: "/api/v1/offices", api: true, policy: need(policy.OfficeList), handle: s.apiOffices},
		{method: "POST", pattern: "/api/v1/offices", api: true, policy: need(policy.OfficeManage), purpose: purposeAdmin, handle: s.apiOfficeCreate},
		{method: "GET", pattern: "/api/v1/offices/{id}", api: true, policy: need(policy.OfficeView), handle: s.apiOffice},
		{method: "PATCH", pattern: "/api/v1/offices/{id}", api: true, policy: need(policy.OfficeManage), purpose: purposeAdmin, handle: s.apiOfficePatch},
		{method: "GET", pattern: "/api/v1/people", api: true, policy: need(policy.PersonList), handle: s.apiPeople},
		{method: "POST", pattern: "/api/v1/people", api: true, policy: need(policy.PersonManage), purpose: purposeAdmin, handle: s.apiPersonCreate},
		{method: "GET", pattern: "/api/v1/people/{id}", api: true, policy: need(policy.PersonView), purpose: purposeFollow, handle: s.apiPerson},
		{method: "GET", pattern: "/api/v1/audit", api: true, policy: need(policy.AuditView), handle: s.apiAudit},
	}
}

// wrap applies a route's policy around its handler: it resolves the caller,
// refuses anonymous callers of non-public routes (login redirect or 401),
// refuses roles that may never do the route's action (403), bounds the body,
// and renders any returned error in the route's format.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &req{route: &rt, purpose: rt.purpose}
		rq.lang = s.language(r)
		if rt.api {
			rq.lang = s.apiLanguage(r)
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		}
		actor, authErr := s.authenticate(r)
		rq.actor = actor
		r = r.WithContext(context.WithValue(r.Context(), reqKey, rq))
		if rt.policy.kind == ruleAction {
			switch {
			case authErr != nil && holf.ErrorCode(authErr) != holf.EUnauthorized:
				s.fail(w, r, rq, authErr)
				return
			case actor == nil:
				if !rt.api && reading(r) {
					target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
					if authErr != nil {
						// The browser had a session that has ended: say so.
						target += "&notice=session_ended"
					}
					s.clearSessionCookie(w)
					http.Redirect(w, r, target, http.StatusSeeOther)
					return
				}
				if authErr == nil {
					authErr = &holf.Error{Code: holf.EUnauthorized, Message: "log in or send an API token", Key: "err.login_required"}
				}
				s.fail(w, r, rq, authErr)
				return
			case !policy.Allows(actor, rt.policy.action):
				// A record route answers as if the record did not exist, so
				// that no id reveals anything; other routes say "forbidden".
				if strings.Contains(rt.pattern, "{id}") {
					s.fail(w, r, rq, holf.NotFound("record", r.PathValue("id")))
					return
				}
				s.fail(w, r, rq, &holf.Error{Code: holf.EForbidden, Message: "your role does not give access to this", Key: "err.forbidden"})
				return
			}
			// Forms of a signed-in browser carry the session's token too:
			// a second line of defence behind the Origin checks.
			if !rt.api && !reading(r) && actor.Via == "session" {
				if err := s.checkFormToken(r, actor); err != nil {
					s.fail(w, r, rq, err)
					return
				}
			}
		}
		if err := checkInput(r, rt.api); err != nil {
			s.fail(w, r, rq, err)
			return
		}
		if !rt.api && !reading(r) && r.PostForm != nil {
			rq.override = r.PostForm.Get("consent_override")
		}
		if err := rt.handle(w, r, rq); err != nil {
			s.fail(w, r, rq, err)
		}
	})
}

// reading reports whether r only reads: GET, and HEAD, which the router
// serves wherever it serves GET.
func reading(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }

// auditEvent builds an audit event for rq's actor under role.
func (rq *req) auditEvent(role holf.Role, action, recordType string, recordID int64) holf.AuditEvent {
	return holf.AuditEvent{ActorID: rq.actor.PersonID, Actor: rq.actor.Username, Role: role, Action: action,
		RecordType: recordType, RecordID: recordID, Purpose: rq.purpose}
}
