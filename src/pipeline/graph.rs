//! The step graph: every input must be a record kind or another step's output, and the
//! steps must form a DAG. Errors name both ends of the bad edge.

use std::collections::{BTreeMap, BTreeSet};

use super::spec::{Pipeline, Step};
use super::PipelineError;
use crate::schema::KindSpec;

/// Tables a step may read besides other steps' outputs.
pub fn is_source(name: &str) -> bool {
    KindSpec::by_name(name).is_some()
}

/// Checks the edges and returns the steps in an order where every step comes after the
/// steps it reads (ties in name order, so the order is stable).
pub fn order(p: &Pipeline) -> Result<Vec<&Step>, PipelineError> {
    let mut by_name: BTreeMap<&str, &Step> = BTreeMap::new();
    for s in &p.steps {
        if is_source(&s.name) {
            return Err(PipelineError::Step {
                step: s.name.clone(),
                file: s.file.clone(),
                reason: "its output would replace the record kind of the same name".into(),
            });
        }
        if crate::store::is_engine_table(&s.name) {
            return Err(PipelineError::Step {
                step: s.name.clone(),
                file: s.file.clone(),
                reason: "the name is reserved: its output would replace a table the engine writes".into(),
            });
        }
        if let Some(prev) = by_name.insert(&s.name, s) {
            return Err(PipelineError::Step {
                step: s.name.clone(),
                file: s.file.clone(),
                reason: format!("declared twice (also in {})", prev.file),
            });
        }
    }
    for s in &p.steps {
        for i in &s.inputs {
            if !is_source(i) && !by_name.contains_key(i.as_str()) {
                return Err(PipelineError::Edge {
                    from: i.clone(),
                    to: s.name.clone(),
                    reason: format!("`{i}` is neither a record kind nor the output of a step (in {})", s.file),
                });
            }
            if i == &s.name {
                return Err(PipelineError::Edge {
                    from: i.clone(),
                    to: s.name.clone(),
                    reason: "a step reads itself".into(),
                });
            }
        }
    }
    // Depth-first topological sort; a grey node met again closes a cycle.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut out: Vec<&Step> = Vec::new();
    fn visit<'a>(
        name: &'a str,
        by_name: &BTreeMap<&'a str, &'a Step>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        out: &mut Vec<&'a Step>,
    ) -> Result<(), PipelineError> {
        match state.get(name) {
            Some(2) => return Ok(()),
            Some(1) => {
                let start = path.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<&str> = path[start..].to_vec();
                cycle.push(name);
                let from = path.last().copied().unwrap_or(name);
                return Err(PipelineError::Edge {
                    from: name.to_string(),
                    to: from.to_string(),
                    reason: format!("cycle (each step reads the next): {}", cycle.join(" → ")),
                });
            }
            _ => {}
        }
        let Some(step) = by_name.get(name) else { return Ok(()) };
        state.insert(name, 1);
        path.push(name);
        let inputs: BTreeSet<&str> = step.inputs.iter().map(String::as_str).collect();
        for i in inputs {
            if by_name.contains_key(i) {
                visit(i, by_name, state, path, out)?;
            }
        }
        path.pop();
        state.insert(name, 2);
        out.push(step);
        Ok(())
    }
    let names: Vec<&str> = by_name.keys().copied().collect();
    for n in names {
        visit(n, &by_name, &mut state, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::spec::{Body, Refresh};

    fn step(name: &str, inputs: &[&str]) -> Step {
        Step {
            name: name.into(),
            file: format!("{name}.toml"),
            description: String::new(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            body: Body::Sql("SELECT 1".into()),
            refresh: Refresh::Full,
        }
    }

    fn pipeline(steps: Vec<Step>) -> Pipeline {
        Pipeline { steps, source: "test".into(), digest: String::new() }
    }

    #[test]
    fn orders_and_rejects_unknown_inputs_and_cycles() {
        let p = pipeline(vec![step("b", &["a"]), step("a", &["grades"])]);
        let names: Vec<&str> = order(&p).map(|v| v.iter().map(|s| s.name.as_str()).collect()).unwrap_or_default();
        assert_eq!(names, ["a", "b"]);

        let p = pipeline(vec![step("b", &["nope"])]);
        let e = order(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("nope") && e.contains("`b`"), "{e}");

        let p = pipeline(vec![step("a", &["c"]), step("b", &["a"]), step("c", &["b"])]);
        let e = order(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("a → c → b → a"), "{e}");
    }

    #[test]
    fn a_step_cannot_take_a_table_the_engine_owns() {
        let kinds = crate::schema::ALL_KINDS.iter().map(|k| k.name);
        let owned: Vec<&str> =
            kinds.chain(crate::store::ENGINE_TABLES.iter().copied()).chain(["__raw_grades"]).collect();
        for name in owned {
            let p = pipeline(vec![step(name, &["grades"])]);
            match order(&p) {
                Err(PipelineError::Step { step, .. }) => assert_eq!(step, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(order(&pipeline(vec![step("my_quarantine_summary", &["grades"])])).is_ok());
    }
}
