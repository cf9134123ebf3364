"""The header grammar: a source column header, on a sheet of a given role, means one canonical field.

This table is the specification the header reading is measured against (issue 15). Each row is a
header as it appears in a real tracker or a vendor's export, the role of its sheet, and the field a
recruitment team lead would take it as; `None` means it is not a field at all (it must not map, or
map with less than `CONFIDENT`). Where DESIGN.md or `corpus/expected/` allows two readings (a bare
"Interview Date" is the 1st interview arranged or held), the expected value is the tuple of them.
Headers a team lead could read two ways that nothing settles are left out rather than guessed.

Headers are read by meaning: an ordinal, an event, a state and date words, in any order and case,
with typos, abbreviations, units and unknown words. None of the invented headers below needs to be
listed anywhere for the grammar to understand it.
"""

from __future__ import annotations

import pytest

from recruit_dash.ingest.mapping import CONFIDENT, match_header

# The canonical fields of DESIGN.md ("The command line"), stated here so a typo in this table is
# caught, independently of the implementation's own vocabulary.
STAGES = ("lead", "meeting", "job", "shortlist", "interview", "interview_done", "second_interview",
          "second_interview_done", "offer", "accepted", "resigned", "started", "probation")
KINDS = ("call", "bd_call", "email", "message", "meeting", "cv_sent", "interview", "other")
FIELDS = {
    "leads": {"lead_id", "created_on", "consultant", "client", "contact", "candidate", "role",
              "source", "status", "next_action_on", "fee", "notes", "stage", "stage_on",
              *(f"stage:{stage}" for stage in STAGES)},
    "activities": {"consultant", "on", "kind", "count", "lead_id", "client",
                   *(f"count:{kind}" for kind in KINDS)},
    "placements": {"placement_id", "lead_id", "candidate", "client", "consultant", "start_on",
                   "probation_end_on", "fee", "checkin_on"},
    "feedback": {"client", "consultant", "on", "score", "referral", "testimonial"},
}

# Two readings DESIGN.md and corpus/expected/ both accept.
LEAD_DATE = ("created_on", "stage:lead")  # an application or lead date
FIRST_INTERVIEW_DATE = ("stage:interview", "stage:interview_done")  # dated, arranged or held?
SECOND_INTERVIEW_DATE = ("stage:second_interview", "stage:second_interview_done")
SUBMITTED = ("stage:shortlist", "created_on", "stage:lead")  # "Submitted on" as a tracker's only date
STATUS_OR_STAGE = ("status", "stage")  # a current-stage column: a status, or a stage name

L, A, P, F = "leads", "activities", "placements", "feedback"

CASES: list[tuple[str, str, str | tuple[str, ...] | None]] = [
    # -- Bullhorn (agency ATS/CRM): JobOrder, JobSubmission, Note, Placement, ActivityGoal --------
    ("id", L, "lead_id"),
    ("title", L, "role"),
    ("clientCorporation", L, "client"),
    ("clientContact", L, "contact"),
    ("owner", L, "consultant"),
    ("status", L, "status"),
    ("dateAdded", L, LEAD_DATE),
    ("source", L, "source"),
    ("comments", L, "notes"),
    ("sendingUser", L, "consultant"),  # the consultant credited with the submission
    ("salary", L, None),
    ("payRate", L, None),
    ("clientBillRate", L, None),  # a rate, not the client
    ("numOpenings", L, None),
    ("reasonClosed", L, None),
    ("employmentType", L, None),
    ("dateLastModified", L, None),
    ("isDeleted", L, None),
    ("transactionID", L, None),  # the history change's own id, not the lead
    ("Client Corporation", L, "client"),
    ("Recruiter", L, "consultant"),
    ("Date Added", L, LEAD_DATE),
    ("Email", L, None),
    ("Website", L, None),
    ("LinkedIn", L, None),
    ("action", A, "kind"),
    ("minutesSpent", A, None),  # time spent, not a count of activities
    ("activityType", A, "kind"),
    ("user", A, "consultant"),
    ("goal", A, None),  # a target, not what was done
    ("percentAttained", A, None),
    ("candidate", P, "candidate"),
    ("owner", P, "consultant"),
    ("fee", P, "fee"),
    ("dateBegin", P, "start_on"),
    ("employmentStartDate", P, "start_on"),
    ("dateEnd", P, None),  # a contract's end, not the probation's
    ("daysGuaranteed", P, None),  # a guarantee period in days, not a date
    ("referralFee", P, None),  # paid for a referral, not the placement fee
    ("payRate", P, None),
    # -- Vincere (UK/APAC agency CRM): one date column per milestone -------------------------------
    ("candidate_id", L, "lead_id"),
    ("job_title", L, "role"),
    ("company_id", L, "client"),
    ("company_name", L, "client"),
    ("cv_sent_stage_associated_date", L, "stage:shortlist"),
    ("interview_1_stage_associated_date", L, "stage:interview"),
    ("interview_2_plus_stage_associated_date", L, "stage:second_interview"),
    ("offer_stage_associated_date", L, "stage:offer"),
    ("placed_stage_associated_date", L, "stage:started"),
    ("invoice_stage_associated_date", L, None),  # no invoice rung on the ladder
    ("user_name", A, "consultant"),
    ("log_date", A, "on"),
    ("action_type", A, "kind"),
    # -- A legacy UK agency CRM's action grid ------------------------------------------------------
    ("ApplicantId", L, "lead_id"),
    ("StatusDescription", L, "status"),
    ("CVSentDate", L, "stage:shortlist"),
    ("ApplicantFileAs", L, "candidate"),
    ("ClientFileAs", L, "client"),
    ("ClientContactFileAs", L, "contact"),
    ("JobTitle", L, "role"),
    ("ConsultantUsername", L, "consultant"),
    ("CreatedOn", L, LEAD_DATE),
    # -- Greenhouse (Fivetran schema, dbt model, Harvest API) --------------------------------------
    ("applied_at", L, LEAD_DATE),
    ("rejected_at", L, None),  # an outcome's date, not a rung
    ("last_activity_at", L, None),
    ("credited_to_user", L, "consultant"),
    ("credited_to_user_id", L, "consultant"),
    ("rejected_reason_id", L, None),
    ("requisition_id", L, "lead_id"),
    ("offer_sent_at", L, "stage:offer"),
    ("days_in_stage", L, None),
    ("recruiter_name", L, "consultant"),
    ("hiring_managers", L, "contact"),
    ("sourced_from", L, "source"),
    ("job_department", L, None),
    ("job_office", L, None),
    ("source.public_name", L, "source"),
    ("credited_to.name", L, "consultant"),
    ("rejection_reason.name", L, None),
    ("current_stage.name", L, STATUS_OR_STAGE),
    # -- Odoo hr.applicant list export -------------------------------------------------------------
    ("Applicant's Name", L, "candidate"),
    ("Phone", L, None),
    ("Mobile", L, None),
    ("Applied Job", L, "role"),  # the job applied for, not a date
    ("Department", L, None),
    ("Stage", L, STATUS_OR_STAGE),
    ("Applied on", L, LEAD_DATE),
    ("Last Stage Update", L, None),
    ("Evaluation", L, None),
    ("Refuse Reason", L, None),
    ("Interviewers", L, None),  # people, not an interview
    ("Expected Salary", L, None),
    ("Proposed Salary", L, None),  # not an offer
    ("Availability", L, None),
    ("Tags", L, None),
    ("First Interview", L, "stage:interview"),
    ("Second Interview", L, "stage:second_interview"),
    ("Contract Signed", L, "stage:accepted"),
    # -- OpenCATS pipeline statuses as tick columns, activity types as KPI columns -----------------
    ("Submitted", L, "stage:shortlist"),
    ("Offered", L, "stage:offer"),
    ("Placed", L, "stage:started"),
    ("Call", A, "count:call"),
    ("Email", A, "count:email"),
    ("Meeting", A, "count:meeting"),
    ("Other", A, "count:other"),
    # -- Welcome to the Jungle (FR) and German job-application CSVs --------------------------------
    ("Nom complet", L, "candidate"),
    ("Adresse e-mail", L, None),
    ("Téléphone", L, None),
    ("Étape", L, STATUS_OR_STAGE),
    ("Date de candidature", L, LEAD_DATE),
    ("Lettre de motivation", L, None),
    ("Bewerbungsdatum", L, LEAD_DATE),
    ("Unternehmen", L, "client"),
    ("Position", L, "role"),
    # -- Real agency files (a peer's importer) and the shared corpus's own headers -----------------
    ("Interview Completed?", L, "stage:interview_done"),
    ("References completed? (Requested, Completed)", L, None),
    ("candidate_name", L, "candidate"),
    ("recruiter_experience_years", L, None),  # about the recruiter, not the recruiter
    ("job_role", L, "role"),
    ("submission_date", L, SUBMITTED),
    ("submission_delay_days", L, None),
    ("skill_match_score", L, None),
    ("interview_scheduled", L, "stage:interview"),
    ("interview_delay_days", L, None),
    ("followup_delay_days", L, None),
    ("offer_status", L, "stage:offer"),
    ("rejection_reason", L, None),
    ("candidate_drop_reason", L, None),
    ("Employment_Status_at_time_of_offer", L, None),  # neither the lead's status nor its offer
    ("Applied_Date", L, LEAD_DATE),
    ("Current_Status", L, "status"),
    ("Offer_Date", L, "stage:offer"),
    ("Join_Date", L, "stage:started"),
    ("Joining_Gap", L, None),
    ("Age_Range", L, None),
    ("Experience_Years", L, None),
    ("Interview_Date", L, FIRST_INTERVIEW_DATE),
    ("Screening_Score", L, None),
    ("Technical_Score", L, None),
    ("Salary_Offered_LPA", L, None),  # a salary, not the offer's date
    ("Time_to_Hire_Days", L, None),
    ("Cost_Per_Hire_INR", L, None),
    ("opportunity_id", L, "lead_id"),
    ("sales_agent", L, "consultant"),
    ("product", L, None),
    ("account", L, "client"),
    ("deal_stage", L, STATUS_OR_STAGE),
    ("close_value", L, "fee"),
    ("engage_quarter", L, None),
    ("Fullname", L, "candidate"),
    ("Phone_Number", L, None),
    ("DoB", L, None),
    ("Recruitment_Stages", L, "status"),
    ("Decline_Reasons", L, None),
    ("Phone_Screen_Date", L, None),  # no phone-screen rung on the ladder
    ("Harver_Test_Date", L, None),
    ("Payment_Date", L, None),
    ("Modification_Date", L, None),
    ("stage_event_id", L, None),  # the event's own id, not the lead
    ("application_id", L, "lead_id"),
    ("stage_name", L, "stage"),
    ("stage_date", L, "stage_on"),
    ("drop_reason", L, None),
    ("Client_Name", L, "client"),
    ("Current_Stage", L, STATUS_OR_STAGE),
    ("Recruiter_Name", L, "consultant"),
    ("Delivery_Team", L, None),
    ("CV Date", L, LEAD_DATE),
    ("Source of CV", L, "source"),
    ("Reason for Rejection", L, None),
    ("1st Round Date", L, FIRST_INTERVIEW_DATE),
    ("2nd Round dAte", L, SECOND_INTERVIEW_DATE),
    ("Final Round  Date", L, SECOND_INTERVIEW_DATE),
    ("Inv Date", L, None),
    ("Inv No", L, None),
    ("Inv Amount", L, None),
    ("Req_ID", L, "lead_id"),
    ("Priority", L, None),
    ("Years_Exp", L, None),
    ("Candidate ID", L, "lead_id"),
    ("Full Name", L, "candidate"),
    ("Passport No.", L, None),
    ("Nationality", L, None),
    ("Recruitment Stage", L, STATUS_OR_STAGE),
    ("Visa Status", L, None),
    ("Visa Expiry", L, None),
    ("Visa Alert", L, None),
    ("Candidate ID Number", L, "lead_id"),
    ("Position Title", L, "role"),
    ("Furthest Recruiting Stage Reached", L, STATUS_OR_STAGE),
    ("Application Source", L, "source"),
    ("Highest Degree", L, None),
    ("Years of Experience", L, None),
    ("New Application Date", L, LEAD_DATE),
    ("Phone Screen Date", L, None),
    ("In-House Interview Date", L, FIRST_INTERVIEW_DATE),
    ("Offer Sent Date", L, "stage:offer"),
    ("Days To Offer", L, None),
    ("Days from In-House to Offer Sent", L, None),
    ("Date When Reached the Stage", L, "stage_on"),
    ("Submitted on", L, SUBMITTED),
    ("Description", L, None),
    ("Activity_ID", A, None),
    ("Candidate_ID", A, "lead_id"),
    ("Recruiter", A, "consultant"),
    ("Activity_Type", A, "kind"),
    ("Activity_Date", A, "on"),
    ("recruiter_name", A, "consultant"),
    ("related_client", A, "client"),
    ("submissions", A, "count:cv_sent"),
    ("time_to_first_submission", A, None),
    ("submissions_to_interview_number", A, None),  # a ratio, not a count of interviews
    ("interview_to_offer_number", A, None),
    ("client_id", F, "client"),
    ("transaction_id", F, None),
    ("feedback_date", F, "on"),
    ("client_rating", F, "score"),
    ("employee_id", F, "consultant"),
    # -- Invented: every rung, with ordinals, states and date words in several orders and cases ----
    # lead generated
    ("Date generated", L, LEAD_DATE),
    ("Lead created on", L, LEAD_DATE),
    ("Date lead generated", L, LEAD_DATE),
    ("Enquiry date", L, LEAD_DATE),
    ("date_of_application", L, LEAD_DATE),
    # client meeting agreed
    ("Client meeting date", L, "stage:meeting"),
    ("Meeting booked", L, "stage:meeting"),
    ("Date of client visit", L, "stage:meeting"),
    ("Intake meeting held on", L, "stage:meeting"),
    ("meetingAgreedOn", L, "stage:meeting"),
    # job registered
    ("Req raised on", L, "stage:job"),
    ("Job registered on", L, "stage:job"),
    ("Vacancy taken", L, "stage:job"),
    ("Req opened", L, "stage:job"),
    ("Requisition opened on", L, "stage:job"),
    ("Job Order Date", L, "stage:job"),
    ("Date job taken", L, "stage:job"),
    ("Job on", L, "stage:job"),
    ("vacancy_registered_date", L, "stage:job"),
    # CVs sent / shortlist
    ("CVs sent", L, "stage:shortlist"),
    ("CV Sent Date", L, "stage:shortlist"),
    ("Date CVs sent", L, "stage:shortlist"),
    ("cv_sent_on", L, "stage:shortlist"),
    ("CV submitted on", L, "stage:shortlist"),
    ("Profiles shared on", L, "stage:shortlist"),
    ("Shortlist presented", L, "stage:shortlist"),
    ("Sendout date", L, "stage:shortlist"),
    ("Resume submitted", L, "stage:shortlist"),
    ("Date of submission to client", L, "stage:shortlist"),
    # 1st interview arranged
    ("Interview booked", L, "stage:interview"),
    ("Interview arranged", L, "stage:interview"),
    ("Interview scheduled", L, "stage:interview"),
    ("1st interview", L, "stage:interview"),
    ("1st interview booked", L, "stage:interview"),
    ("Date 1st interview booked", L, "stage:interview"),
    ("First Interview Scheduled On", L, "stage:interview"),
    ("Interview 1 arranged", L, "stage:interview"),
    ("interview_1_scheduled_date", L, "stage:interview"),
    ("firstInterviewBooked", L, "stage:interview"),
    ("1ST INTERVIEW ARRANGED", L, "stage:interview"),
    ("1st  interview   booked", L, "stage:interview"),
    ("Interview booked?", L, "stage:interview"),
    ("Interview booked (date)", L, "stage:interview"),
    ("Interview Date", L, FIRST_INTERVIEW_DATE),
    ("1st interview date", L, FIRST_INTERVIEW_DATE),
    # 1st interview completed
    ("Interview done", L, "stage:interview_done"),
    ("Interview completed", L, "stage:interview_done"),
    ("Interviewed", L, "stage:interview_done"),
    ("Interviewed on", L, "stage:interview_done"),
    ("1st interview done", L, "stage:interview_done"),
    ("1st interview completed on", L, "stage:interview_done"),
    ("First interview held", L, "stage:interview_done"),
    ("Interview 1 held", L, "stage:interview_done"),
    ("Date 1st interview attended", L, "stage:interview_done"),
    ("interview_held_date", L, "stage:interview_done"),
    # 2nd interview arranged (the ladder's final interview is its 2nd)
    ("2nd interview", L, "stage:second_interview"),
    ("Final interview", L, "stage:second_interview"),
    ("2nd interview booked", L, "stage:second_interview"),
    ("Second interview arranged on", L, "stage:second_interview"),
    ("Second intvw scheduled", L, "stage:second_interview"),
    ("Interview 2 scheduled", L, "stage:second_interview"),
    ("secondInterviewScheduled", L, "stage:second_interview"),
    ("Date 2nd interview booked", L, "stage:second_interview"),
    ("INTERVIEW 2 BOOKED", L, "stage:second_interview"),
    ("Final interview scheduled", L, "stage:second_interview"),
    ("Round 2 scheduled", L, "stage:second_interview"),
    ("2nd Round Date", L, SECOND_INTERVIEW_DATE),
    ("Second interview date", L, SECOND_INTERVIEW_DATE),
    # 2nd interview completed
    ("Interview 2 held", L, "stage:second_interview_done"),
    ("2nd interview done", L, "stage:second_interview_done"),
    ("Second interview completed", L, "stage:second_interview_done"),
    ("2nd interview attended on", L, "stage:second_interview_done"),
    ("Date second interview held", L, "stage:second_interview_done"),
    ("second_interview_completed_date", L, "stage:second_interview_done"),
    ("Final interview held", L, "stage:second_interview_done"),
    ("Round 2 completed", L, "stage:second_interview_done"),
    # offer made (verbal)
    ("Offer", L, "stage:offer"),
    ("Offer date", L, "stage:offer"),
    ("Date of offer", L, "stage:offer"),
    ("Verbal offer", L, "stage:offer"),
    ("Verbal offer made", L, "stage:offer"),
    ("Offer made on", L, "stage:offer"),
    ("Offer extended", L, "stage:offer"),
    ("Date offered", L, "stage:offer"),
    ("offer_date", L, "stage:offer"),
    ("OfferDate", L, "stage:offer"),
    ("OFFER DATE", L, "stage:offer"),
    ("Offer  date", L, "stage:offer"),
    ("Offer date?", L, "stage:offer"),
    # offer accepted (written)
    ("Offer accepted", L, "stage:accepted"),
    ("Offer accepted on", L, "stage:accepted"),
    ("Date offer accepted", L, "stage:accepted"),
    ("Written offer", L, "stage:accepted"),
    ("Contract signed on", L, "stage:accepted"),
    ("Acceptance date", L, "stage:accepted"),
    ("Offer Acceptance Date", L, "stage:accepted"),
    ("offer_accepted_date", L, "stage:accepted"),
    # candidate resigned
    ("Resigned", L, "stage:resigned"),
    ("Resignation date", L, "stage:resigned"),
    ("Resigned on", L, "stage:resigned"),
    ("Date candidate resigned", L, "stage:resigned"),
    ("Handed in notice", L, "stage:resigned"),
    ("resignation_date", L, "stage:resigned"),
    # started
    ("Start date", L, "stage:started"),
    ("Candidate start date", L, "stage:started"),
    ("Candidate start date (UK)", L, "stage:started"),
    ("Started", L, "stage:started"),
    ("Started on", L, "stage:started"),
    ("Date started", L, "stage:started"),
    ("Joined on", L, "stage:started"),
    ("Joining date", L, "stage:started"),
    ("Date of joining", L, "stage:started"),
    ("DOJ", L, "stage:started"),
    ("Placed on", L, "stage:started"),
    ("Placement date", L, "stage:started"),
    ("Actual start date", L, "stage:started"),
    ("start_date", L, "stage:started"),
    ("StartDate", L, "stage:started"),
    ("START  DATE", L, "stage:started"),
    ("Start date?", L, "stage:started"),
    ("  Start\u00a0date  ", L, "stage:started"),
    # probation completed
    ("Probation passed", L, "stage:probation"),
    ("Probation completed", L, "stage:probation"),
    ("Passed probation", L, "stage:probation"),
    ("Probation completed on", L, "stage:probation"),
    ("Date probation passed", L, "stage:probation"),
    ("probation_completed_date", L, "stage:probation"),
    # -- Typos and abbreviations -------------------------------------------------------------------
    ("Intvw booked", L, "stage:interview"),
    ("Interveiw arranged", L, "stage:interview"),
    ("1st Int Booked", L, "stage:interview"),
    ("Interveiw Date", L, FIRST_INTERVIEW_DATE),
    ("Intv 1 Date", L, FIRST_INTERVIEW_DATE),
    ("Intvw held", L, "stage:interview_done"),
    ("Interveiw completed", L, "stage:interview_done"),
    ("1st Int Done", L, "stage:interview_done"),
    ("2nd Int Booked", L, "stage:second_interview"),
    ("2nd Interveiw arranged", L, "stage:second_interview"),
    ("2nd Int Done", L, "stage:second_interview_done"),
    ("Intvw 2 done", L, "stage:second_interview_done"),
    ("Offr date", L, "stage:offer"),
    ("Offerred on", L, "stage:offer"),
    ("Submited on", L, SUBMITTED),
    ("Resgination date", L, "stage:resigned"),
    ("Date Joinned", L, "stage:started"),
    ("Strat date", L, "stage:started"),
    ("Probtion passed", L, "stage:probation"),
    ("Consultnat", L, "consultant"),
    ("Recuiter", L, "consultant"),
    ("Cleint name", L, "client"),
    ("Candiate name", L, "candidate"),
    # -- People, companies and ids -----------------------------------------------------------------
    ("Recruiter Name", L, "consultant"),
    ("Consultant", L, "consultant"),
    ("Account Manager", L, "consultant"),
    ("Assigned To", L, "consultant"),
    ("Hiring Company", L, "client"),
    ("Company Name", L, "client"),
    ("Client ID", L, "client"),
    ("Hiring Manager", L, "contact"),
    ("Client Contact", L, "contact"),
    ("Contact Name", L, "contact"),
    ("Candidate Ref", L, "lead_id"),
    ("Lead Ref", L, "lead_id"),
    ("Candidate Name", L, "candidate"),
    ("Applicant", L, "candidate"),
    ("Interviewer Name", L, None),  # not the candidate
    # -- Other lead columns: role, source, status, next action, fee, notes -------------------------
    ("Job Title", L, "role"),
    ("Vacancy", L, "role"),
    ("Lead Source", L, "source"),
    ("Channel", L, "source"),
    ("Status", L, "status"),
    ("Current Status", L, "status"),
    ("Lead Status", L, "status"),
    ("Stage Name", L, "stage"),
    ("Next action date", L, "next_action_on"),
    ("Next Action", L, "next_action_on"),
    ("Follow-up date", L, "next_action_on"),
    ("Call back on", L, "next_action_on"),
    ("next_step_date", L, "next_action_on"),
    ("Recontact date", L, "next_action_on"),
    ("Fee", L, "fee"),
    ("Fee (£)", L, "fee"),
    ("Fee £", L, "fee"),
    ("Fee (GBP)", L, "fee"),
    ("Placement fee", L, "fee"),
    ("Expected fee (£)", L, "fee"),
    ("Deal Value", L, "fee"),
    ("Notes", L, "notes"),
    ("Remarks", L, "notes"),
    # -- Activities: KPI columns, long-log columns and what is neither -----------------------------
    ("Consultant", A, "consultant"),
    ("Week commencing", A, "on"),
    ("W/C", A, "on"),
    ("Week Beginning", A, "on"),
    ("Date", A, "on"),
    ("Activity date", A, "on"),
    ("Activity Type", A, "kind"),
    ("Type", A, "kind"),
    ("Count", A, "count"),
    ("Qty", A, "count"),
    ("Related client", A, "client"),
    ("Client", A, "client"),
    ("Calls", A, "count:call"),
    ("Dials", A, "count:call"),
    ("Outbound Calls", A, "count:call"),
    ("Calls made", A, "count:call"),
    ("No. of calls", A, "count:call"),
    ("BD Calls", A, "count:bd_call"),
    ("Business development calls", A, "count:bd_call"),
    ("Emails", A, "count:email"),
    ("InMails", A, "count:message"),
    ("LinkedIn messages", A, "count:message"),
    ("Client meetings", A, "count:meeting"),
    ("Client Visits", A, "count:meeting"),
    ("CVs sent", A, "count:cv_sent"),
    ("cvs_sent", A, "count:cv_sent"),
    ("Number of CVs sent", A, "count:cv_sent"),
    ("Send outs", A, "count:cv_sent"),
    ("Interviews", A, "count:interview"),
    ("Interviews arranged", A, "count:interview"),
    ("interviewsBooked", A, "count:interview"),
    ("Calls target", A, None),  # a goal, not the calls made
    ("% of target", A, None),
    ("Call duration", A, None),
    ("Talk time (mins)", A, None),
    ("Activity ID", A, None),
    ("Conversion rate", A, None),
    # -- Placements --------------------------------------------------------------------------------
    ("Placement ID", P, "placement_id"),
    ("Placement Ref", P, "placement_id"),
    ("Candidate", P, "candidate"),
    ("Placed candidate", P, "candidate"),
    ("Starter", P, "candidate"),
    ("Client", P, "client"),
    ("Employer", P, "client"),
    ("Consultant", P, "consultant"),
    ("Lead ID", P, "lead_id"),
    ("Start date", P, "start_on"),
    ("Started on", P, "start_on"),
    ("Joining date", P, "start_on"),
    ("Candidate start date", P, "start_on"),
    ("Date started", P, "start_on"),
    ("Probation end date", P, "probation_end_on"),
    ("End of probation", P, "probation_end_on"),
    ("Probation ends", P, "probation_end_on"),
    ("Probation end (6 months)", P, "probation_end_on"),
    ("Fee", P, "fee"),
    ("Placement fee (£)", P, "fee"),
    ("Invoice value", P, "fee"),
    ("Check-in date", P, "checkin_on"),
    ("Aftercare call", P, "checkin_on"),
    ("Day 30 check-in", P, "checkin_on"),
    ("Week 1 check in", P, "checkin_on"),
    ("Follow-up call", P, "checkin_on"),
    ("Salary", P, None),
    ("Invoice date", P, None),
    ("Invoice No", P, None),
    ("Rebate period (days)", P, None),
    ("Passport No.", P, None),
    # -- Feedback ----------------------------------------------------------------------------------
    ("Client", F, "client"),
    ("Company", F, "client"),
    ("Consultant", F, "consultant"),
    ("Recruiter", F, "consultant"),
    ("Survey date", F, "on"),
    ("Date", F, "on"),
    ("Response date", F, "on"),
    ("Score (0-10)", F, "score"),
    ("NPS", F, "score"),
    ("Rating", F, "score"),
    ("Great Recruiter Score", F, "score"),
    ("How likely are you to recommend us? (0-10)", F, "score"),
    ("Referral", F, "referral"),
    ("Referral given?", F, "referral"),
    ("Testimonial", F, "testimonial"),
    ("Testimonial collected?", F, "testimonial"),
    ("Survey ID", F, None),
    ("Email", F, None),
    # -- Negatives on a leads sheet: steps off the ladder, durations, scores, personal data --------
    ("Phone screen booked", L, None),
    ("Screening call date", L, None),
    ("Technical test date", L, None),
    ("Assessment centre date", L, None),
    ("Reference check completed", L, None),
    ("Background check date", L, None),
    ("Invoice date", L, None),
    ("Last updated", L, None),
    ("Rejection date", L, None),
    ("Days to offer", L, None),
    ("Offer to start (days)", L, None),
    ("Time to fill (days)", L, None),
    ("Notice period", L, None),  # a duration, not the resignation
    ("Notice Period (weeks)", L, None),
    ("Number of interviews", L, None),
    ("Interview location", L, None),
    ("Salary offered", L, None),
    ("Date of birth", L, None),
    ("Age", L, None),
    ("Gender", L, None),
    ("Address", L, None),
    ("LinkedIn URL", L, None),
    ("Location", L, None),
]

_KEYS = [(header, role) for header, role, _ in CASES]
assert len(_KEYS) == len(set(_KEYS)), "a header and role listed twice"
for _header, _role, _expected in CASES:
    for _field in _expected if isinstance(_expected, tuple) else (_expected,):
        assert _field is None or _field in FIELDS[_role], f"{_header!r}: no field {_field!r}"


def mapped(header: str, role: str) -> str | None:
    """Return the field a header is confidently mapped to on a sheet of a role, or None."""
    field, confidence, _ = match_header(header, role)
    return field if field is not None and confidence >= CONFIDENT else None


@pytest.mark.parametrize(("header", "role", "expected"), CASES,
                         ids=[f"{role}:{header}" for header, role, _ in CASES])
def test_a_header_means_its_field(header, role, expected):
    field = mapped(header, role)
    accepted = expected if isinstance(expected, tuple) else (expected,)
    assert field in accepted, f"{header!r} on {role}: got {field!r}, expected {expected!r}"


# -- The ordinal rule: an ordinal is never matched to another ordinal --------------------------------
# The interview rungs and the round each is for. The ladder's 2nd interview is also its final one
# (DESIGN.md: "2nd interview, second interview, final interview"), and holds the rounds after it
# (Vincere's "interview_2_plus"), so a 3rd or final round may be read as the 2nd but never as the
# 1st; whether a 3rd round is the 2nd rung is left open.
ROUND_OF_FIELD = {"stage:interview": 1, "stage:interview_done": 1,
                  "stage:second_interview": 2, "stage:second_interview_done": 2}
SPELLINGS = {  # ordinal as written before the event -> its round
    "1st": 1, "first": 1, "First": 1, "1ST": 1,
    "2nd": 2, "second": 2, "Second": 2, "2ND": 2,
    "3rd": 3, "third": 3, "final": "final", "Final": "final",
}
NUMBERS = {"1": 1, "2": 2, "3": 3}  # a round's number written after the event
NEVER = {1: (2,), 2: (1,), 3: (1,), "final": (1,)}  # a round -> the rounds it must never be read as
BEFORE = ("{o} interview", "{o} interview booked", "{o} interview scheduled on",
          "{o} interview done", "{o} interview held", "{o} interview date", "Date of {o} interview",
          "Date {o} interview completed", "{o} round date", "{o} round held", "{o} intvw arranged",
          "{o}_interview_completed_on", "{o} interveiw booked", "{o} Interview Attended?")
AFTER = ("Interview {n}", "Interview {n} booked", "Interview {n} held", "Interview {n} date",
         "Round {n} date", "Round {n} completed", "interview_{n}_date", "Interview{n}Scheduled",
         "Intvw {n} done")


def _ordinal_pairs() -> list[tuple[str, object, int]]:
    """Return (header, its round, a round it must not be read as) for every ordinal pair."""
    pairs = []
    for template in BEFORE:
        for spelling, round_ in SPELLINGS.items():
            pairs += [(template.format(o=spelling), round_, other) for other in NEVER[round_]]
    for template in AFTER:
        for number, round_ in NUMBERS.items():
            pairs += [(template.format(n=number), round_, other) for other in NEVER[round_]]
    return pairs


ORDINAL_PAIRS = _ordinal_pairs()


@pytest.mark.parametrize(("header", "round_", "other"), ORDINAL_PAIRS,
                         ids=[f"{header} [{round_} is not {other}]"
                              for header, round_, other in ORDINAL_PAIRS])
def test_an_ordinal_is_never_read_as_another(header, round_, other):
    field = mapped(header, "leads")
    assert ROUND_OF_FIELD.get(field) != other, f"{header!r} (round {round_}) read as {field!r}"
