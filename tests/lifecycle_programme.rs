//! Programme CSV parsers (declarations, targets, plans) and "6 clears" plan checks.

use chrono::NaiveDate;
use hotspot::ingest::IngestError;
use hotspot::ingest::programme::{parse_declarations, parse_plans, parse_targets};
use hotspot::lifecycle::{hotspots_without_plan, overdue, validate_plan};
use hotspot::model::{ActionPlan, AreaLevel, AreaStatus, PlanState, PlanSubject};
use hotspot::store::PlanInput;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn problems(e: IngestError) -> Vec<String> {
    match e {
        IngestError::Invalid { problems, total } => {
            assert_eq!(total, problems.len());
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("{other}"),
    }
}

#[test]
fn declarations_parse_by_column_name() {
    let csv = "declared_by,area_id,declared_at,status,note\n\
               UBND phường An Cựu,TDP-07,2025-06-30,CLEAN,x\n\
               UBND phường An Cựu,TDP-08,2025-12-31,kept_clean,\n";
    let got = parse_declarations("d.csv", csv.as_bytes()).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].area_id, "TDP-07");
    assert_eq!(got[0].status, AreaStatus::Clean);
    assert_eq!(got[1].declared_at, d("2025-12-31"));
    assert_eq!(got[1].declared_by, "UBND phường An Cựu");
}

#[test]
fn declaration_problems_name_file_line_and_column() {
    let csv = "area_id,status,declared_at,declared_by\n\
               TDP-07,spotless,2025-06-30,UBND\n\
               ,clean,2025-02-30,UBND\n";
    let got = problems(parse_declarations("d.csv", csv.as_bytes()).unwrap_err());
    assert_eq!(
        got,
        [
            "d.csv:2: status: unknown value \"spotless\", expected one of: hotspot, cleaning, clean, kept_clean, relapsed",
            "d.csv:3: area_id: must not be empty",
            "d.csv:3: declared_at: \"2025-02-30\" is not a date (YYYY-MM-DD)",
        ]
    );
    let missing = problems(parse_declarations("d.csv", "area_id,status\n".as_bytes()).unwrap_err());
    assert_eq!(
        missing,
        [
            "d.csv:1: declared_at: missing column",
            "d.csv:1: declared_by: missing column"
        ]
    );
}

#[test]
fn targets_accept_fractions_and_percentages() {
    let csv = "area_id,level,share,due\n\
               P-ANCUU,residential_group,30%,2025-12-31\n\
               P-ANCUU,residential_group,0.7,2026-12-31\n\
               C-HUE,commune,50 %,2030-12-31\n";
    let got = parse_targets("t.csv", csv.as_bytes()).unwrap();
    let shares: Vec<f64> = got.iter().map(|t| t.share).collect();
    assert_eq!(shares, [0.3, 0.7, 0.5]);
    assert_eq!(got[2].level, AreaLevel::Commune);
    let bad = "area_id,level,share,due\nP,ward,140%,2025-12-31\n";
    let got = problems(parse_targets("t.csv", bad.as_bytes()).unwrap_err());
    assert_eq!(got.len(), 2);
    assert!(got[0].starts_with("t.csv:2: level: unknown value \"ward\""));
    assert_eq!(got[1], "t.csv:2: share: \"140%\" is outside 0–100 %");
}

const PLAN_HEADER: &str = "subject_type,subject_id,responsible_person,task,responsible_unit,deadline,expected_result,approving_authority,state\n";

#[test]
fn plans_parse_and_every_clear_is_required() {
    let csv = format!(
        "{PLAN_HEADER}hotspot,H-000001,Nguyễn Văn A,Tuần tra đêm,Công an phường,2026-12-31,Xóa điểm bán,UBND phường,\n\
         area,TDP-07,Trần Thị B,Họp tổ,Tổ dân phố 7,2025-06-30,Tổ không ma túy,UBND phường,done\n"
    );
    let got = parse_plans("p.csv", csv.as_bytes()).unwrap();
    assert_eq!(got[0].subject, PlanSubject::Hotspot("H-000001".into()));
    assert_eq!(got[0].state, PlanState::Open);
    assert_eq!(got[1].subject, PlanSubject::Area("TDP-07".into()));
    assert_eq!(got[1].state, PlanState::Done);

    let bad = format!("{PLAN_HEADER}zone,H-1,A, ,Unit,1999-01-01,R,,open\n");
    let got = problems(parse_plans("p.csv", bad.as_bytes()).unwrap_err());
    assert_eq!(
        got,
        [
            "p.csv:2: subject_type: unknown value \"zone\", expected one of: hotspot, area",
            "p.csv:2: task: must not be empty",
            "p.csv:2: approving_authority: must not be empty",
        ]
    );
    let old = format!("{PLAN_HEADER}area,A,P,T,U,1999-01-01,R,Auth,open\n");
    let got = problems(parse_plans("p.csv", old.as_bytes()).unwrap_err());
    assert_eq!(
        got,
        ["p.csv:2: deadline: 1999-01-01 is not a plausible deadline"]
    );
}

fn input(deadline: &str, state: PlanState) -> PlanInput {
    PlanInput {
        subject: PlanSubject::Hotspot("H-000001".into()),
        responsible_person: "Nguyễn Văn A".into(),
        task: "Tuần tra".into(),
        responsible_unit: "Công an phường".into(),
        deadline: d(deadline),
        expected_result: "Xóa điểm bán lẻ".into(),
        approving_authority: "UBND phường".into(),
        state,
    }
}

fn plan(id: i64, subject: PlanSubject, deadline: &str, state: PlanState) -> ActionPlan {
    let at = "2025-01-01T08:00:00".parse().unwrap();
    ActionPlan {
        id,
        input: PlanInput {
            subject,
            responsible_person: "A".into(),
            task: "T".into(),
            responsible_unit: "U".into(),
            deadline: d(deadline),
            expected_result: "R".into(),
            approving_authority: "X".into(),
            state,
        },
        created_by: "lead".into(),
        created_at: at,
        updated_by: "lead".into(),
        updated_at: at,
    }
}

#[test]
fn validation_lists_every_problem() {
    assert!(validate_plan(&input("2026-12-31", PlanState::Open), Some(d("2026-11-23"))).is_ok());
    // A past deadline is fine for a done plan or without `today`.
    assert!(validate_plan(&input("2025-01-01", PlanState::Done), Some(d("2026-11-23"))).is_ok());
    assert!(validate_plan(&input("2025-01-01", PlanState::Open), None).is_ok());
    let mut p = input("2025-01-01", PlanState::Open);
    p.responsible_person = " ".into();
    p.subject = PlanSubject::Area(String::new());
    let errs = validate_plan(&p, Some(d("2026-11-23"))).unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["subject_id", "responsible_person", "deadline"]);
    assert_eq!(
        errs[2].to_string(),
        "deadline: 2025-01-01 is before today (2026-11-23)"
    );
}

#[test]
fn overdue_plans_and_hotspots_without_plan() {
    let h = |s: &str| PlanSubject::Hotspot(s.into());
    let plans = [
        plan(1, h("H-000001"), "2026-12-31", PlanState::Open),
        plan(2, h("H-000002"), "2026-03-01", PlanState::Open),
        plan(3, h("H-000003"), "2026-01-01", PlanState::Done),
        plan(
            4,
            PlanSubject::Area("H-000004".into()),
            "2025-01-01",
            PlanState::Open,
        ),
        plan(5, h("H-000005"), "2026-11-22", PlanState::Open),
    ];
    let late: Vec<i64> = overdue(&plans, d("2026-11-23"))
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(late, [4, 2, 5]);
    // Deadline today is not overdue yet.
    assert!(overdue(&plans, d("2026-11-22")).iter().all(|p| p.id != 5));
    let ids: Vec<String> = ["H-000004", "H-000001", "H-000006", "H-000004", "H-000003"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        hotspots_without_plan(&ids, &plans),
        ["H-000004", "H-000006"]
    );
}
