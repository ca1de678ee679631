//! `hotspot plan add|list|update|done|delete`: "6 clears" action plans over the store.

use super::clock_arg::ClockArgs;
use super::db_arg::DbArg;
use super::exit::BadInput;
use crate::lifecycle::{hotspots_without_plan, overdue, validate_plan};
use crate::model::{ActionPlan, PlanState, PlanSubject};
use crate::store::{self, PlanInput};
use chrono::NaiveDate;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    /// Who makes the change (recorded with the plan).
    #[arg(long, global = true, env = "USER", default_value = "cli")]
    pub by: String,
    /// `--as-of`: judge deadlines (overdue, "before today") as of this date.
    #[command(flatten)]
    pub clock: ClockArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// What the plan is attached to: exactly one of `--hotspot` or `--area`.
#[derive(Debug, Clone, clap::Args)]
#[group(required = false, multiple = false)]
pub struct SubjectArgs {
    /// Stable hotspot id, e.g. H-000017.
    #[arg(long)]
    pub hotspot: Option<String>,
    /// Area id, e.g. P-ANCUU-TDP07.
    #[arg(long)]
    pub area: Option<String>,
}

impl SubjectArgs {
    fn subject(&self) -> Option<PlanSubject> {
        match (&self.hotspot, &self.area) {
            (Some(h), _) => Some(PlanSubject::Hotspot(h.clone())),
            (_, Some(a)) => Some(PlanSubject::Area(a.clone())),
            _ => None,
        }
    }
}

/// The six clears as options (all optional for `update`).
#[derive(Debug, Clone, clap::Args)]
pub struct ClearsArgs {
    /// Clear person: who is responsible.
    #[arg(long)]
    pub person: Option<String>,
    /// Clear task.
    #[arg(long)]
    pub task: Option<String>,
    /// Clear responsibility: the unit answerable.
    #[arg(long)]
    pub unit: Option<String>,
    /// Clear deadline, YYYY-MM-DD.
    #[arg(long)]
    pub deadline: Option<NaiveDate>,
    /// Clear result: what counts as done.
    #[arg(long)]
    pub result: Option<String>,
    /// Clear authority: who approves.
    #[arg(long)]
    pub authority: Option<String>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Add a plan; all six clears are required.
    Add {
        #[command(flatten)]
        subject: SubjectArgs,
        #[command(flatten)]
        clears: ClearsArgs,
    },
    /// List plans (of one subject, or only overdue ones); `--unplanned` lists tracked
    /// hotspots without any plan.
    List {
        #[command(flatten)]
        subject: SubjectArgs,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        unplanned: bool,
    },
    /// Change some fields of a plan.
    Update {
        id: i64,
        #[command(flatten)]
        subject: SubjectArgs,
        #[command(flatten)]
        clears: ClearsArgs,
        /// open or done.
        #[arg(long)]
        state: Option<PlanState>,
    },
    /// Mark a plan done.
    Done { id: i64 },
    /// Delete a plan.
    Delete { id: i64 },
}

/// A complete plan input from `add` options; every missing clear is a bad-input error.
pub fn new_plan(
    subject: &SubjectArgs,
    c: &ClearsArgs,
    today: NaiveDate,
) -> anyhow::Result<PlanInput> {
    let Some(subject) = subject.subject() else {
        return Err(BadInput("give --hotspot ID or --area ID".into()).into());
    };
    let mut missing = Vec::new();
    let mut need = |v: &Option<String>, name: &'static str| {
        v.clone().unwrap_or_else(|| {
            missing.push(name);
            String::new()
        })
    };
    let plan = PlanInput {
        subject,
        responsible_person: need(&c.person, "--person"),
        task: need(&c.task, "--task"),
        responsible_unit: need(&c.unit, "--unit"),
        expected_result: need(&c.result, "--result"),
        approving_authority: need(&c.authority, "--authority"),
        deadline: c.deadline.unwrap_or(NaiveDate::MIN),
        state: PlanState::Open,
    };
    if c.deadline.is_none() {
        missing.push("--deadline");
    }
    if !missing.is_empty() {
        return Err(BadInput(format!(
            "missing {} (each of the 6 clears is required)",
            missing.join(", ")
        ))
        .into());
    }
    check(&plan, Some(today))?;
    Ok(plan)
}

/// `plan` with the given options applied.
pub fn updated(
    plan: &ActionPlan,
    subject: &SubjectArgs,
    c: &ClearsArgs,
    state: Option<PlanState>,
) -> anyhow::Result<PlanInput> {
    let plan = &plan.input;
    let p = PlanInput {
        subject: subject.subject().unwrap_or_else(|| plan.subject.clone()),
        responsible_person: c
            .person
            .clone()
            .unwrap_or_else(|| plan.responsible_person.clone()),
        task: c.task.clone().unwrap_or_else(|| plan.task.clone()),
        responsible_unit: c
            .unit
            .clone()
            .unwrap_or_else(|| plan.responsible_unit.clone()),
        deadline: c.deadline.unwrap_or(plan.deadline),
        expected_result: c
            .result
            .clone()
            .unwrap_or_else(|| plan.expected_result.clone()),
        approving_authority: c
            .authority
            .clone()
            .unwrap_or_else(|| plan.approving_authority.clone()),
        state: state.unwrap_or(plan.state),
    };
    check(&p, None)?;
    Ok(p)
}

fn check(p: &PlanInput, today: Option<NaiveDate>) -> anyhow::Result<()> {
    validate_plan(p, today).map_err(|problems| {
        let msg: Vec<String> = problems.iter().map(ToString::to_string).collect();
        BadInput(msg.join("; ")).into()
    })
}

/// One plan per line: id, state, deadline, subject, person, unit, task.
pub fn format_plans(plans: &[&ActionPlan], today: NaiveDate) -> String {
    let mut s = String::new();
    for plan in plans {
        let p = &plan.input;
        let subject = match &p.subject {
            PlanSubject::Hotspot(id) => format!("hotspot {id}"),
            PlanSubject::Area(id) => format!("area {id}"),
        };
        let late = if p.state == PlanState::Open && p.deadline < today {
            " OVERDUE"
        } else {
            ""
        };
        s += &format!(
            "#{} [{}{}] due {} · {} · {} ({}) · {} → {} · approved by {}\n",
            plan.id,
            p.state,
            late,
            p.deadline,
            subject,
            p.responsible_person,
            p.responsible_unit,
            p.task,
            p.expected_result,
            p.approving_authority
        );
    }
    s
}

/// A plan and its version: the update that follows is conditional on it, so a change made
/// meanwhile (through the API or another terminal) is reported, not overwritten.
async fn fetch(store: &dyn store::Store, id: i64) -> anyhow::Result<(ActionPlan, i64)> {
    store.plan_versioned(id).await?.ok_or_else(|| {
        store::StoreError::NotFound {
            what: "plan",
            id: id.to_string(),
        }
        .into()
    })
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let today = args.clock.clock().today();
    match &args.command {
        Command::Add { subject, clears } => {
            let plan = new_plan(subject, clears, today)?;
            let saved = store.create_plan(&plan, &args.by).await?;
            let sid = saved.id.to_string();
            super::audit::record(
                store.as_ref(),
                &args.by,
                store::audit::action::PLAN_CREATE,
                "cli plan add",
                &[("id", sid.as_str())],
                1,
            )
            .await?;
            show(args.output, &saved, today)?;
        }
        Command::List {
            subject,
            overdue: only_overdue,
            unplanned,
        } => {
            let plans = store.plans(subject.subject().as_ref()).await?;
            if *unplanned {
                let ids: Vec<String> = store
                    .tracked_hotspots()
                    .await?
                    .into_iter()
                    .map(|h| h.id)
                    .collect();
                let all = store.plans(None).await?;
                let unplanned = hotspots_without_plan(&ids, &all);
                if args.output.json {
                    println!("{}", serde_json::to_string_pretty(&unplanned)?);
                } else {
                    for id in unplanned {
                        println!("{id}");
                    }
                }
                return Ok(());
            }
            let shown: Vec<&ActionPlan> = if *only_overdue {
                overdue(&plans, today)
            } else {
                plans.iter().collect()
            };
            if args.output.json {
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                print!("{}", format_plans(&shown, today));
            }
        }
        Command::Update {
            id,
            subject,
            clears,
            state,
        } => {
            let (old, version) = fetch(store.as_ref(), *id).await?;
            let new = updated(&old, subject, clears, *state)?;
            let (saved, _) = store
                .update_plan_if(*id, &new, &args.by, Some(version))
                .await?;
            audit_change(store.as_ref(), &args.by, "cli plan update", *id).await?;
            show(args.output, &saved, today)?;
        }
        Command::Done { id } => {
            let (old, version) = fetch(store.as_ref(), *id).await?;
            let new = PlanInput {
                state: PlanState::Done,
                ..old.input.clone()
            };
            let (saved, _) = store
                .update_plan_if(*id, &new, &args.by, Some(version))
                .await?;
            audit_change(store.as_ref(), &args.by, "cli plan done", *id).await?;
            show(args.output, &saved, today)?;
        }
        Command::Delete { id } => {
            store.delete_plan_if(*id, &args.by, None).await?;
            let sid = id.to_string();
            super::audit::record(
                store.as_ref(),
                &args.by,
                store::audit::action::PLAN_DELETE,
                "cli plan delete",
                &[("id", sid.as_str())],
                1,
            )
            .await?;
            if args.output.json {
                println!("{}", serde_json::json!({ "deleted": id }));
            } else {
                println!("deleted plan #{id}");
            }
        }
    }
    Ok(())
}

/// A plan just written: its line, or its JSON with `--json`.
fn show(
    output: super::output::OutputArgs,
    plan: &ActionPlan,
    today: NaiveDate,
) -> anyhow::Result<()> {
    if output.json {
        println!("{}", serde_json::to_string_pretty(plan)?);
    } else {
        print!("{}", format_plans(&[plan], today));
    }
    Ok(())
}

/// Records a plan update made from the command line.
async fn audit_change(
    store: &dyn store::Store,
    by: &str,
    route: &str,
    id: i64,
) -> anyhow::Result<()> {
    let sid = id.to_string();
    super::audit::record(
        store,
        by,
        store::audit::action::PLAN_UPDATE,
        route,
        &[("id", sid.as_str())],
        1,
    )
    .await
}
