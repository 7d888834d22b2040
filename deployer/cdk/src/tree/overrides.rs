//! Property overrides on rendered JSON: a dotted path of object keys and list indexes, set or
//! deleted (pure).

use serde_json::{Map, Value};

/// Set (`Some`) or delete (`None`) the value at `path` in `properties`. Objects missing on the
/// way to a set are made; a delete of what is not there changes nothing.
pub fn apply(properties: &mut Value, path: &str, value: Option<Value>) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|segment| segment.is_empty()) {
        return Err(format!("the override path {path:?} has an empty part"));
    }
    let (last, parents) = segments.split_last().ok_or_else(|| "an empty override path".to_owned())?;
    let mut node = properties;
    for segment in parents {
        if node.is_null() && value.is_some() {
            *node = Value::Object(Map::new());
        }
        node = match node {
            Value::Array(items) => match segment.parse::<usize>().ok().and_then(|index| items.get_mut(index)) {
                Some(item) => item,
                None => return Err(format!("{path}: {segment} is not an index of the list there")),
            },
            Value::Object(map) => {
                if value.is_none() && !map.contains_key(*segment) {
                    return Ok(());
                }
                map.entry(*segment).or_insert_with(|| Value::Object(Map::new()))
            }
            _ if value.is_none() => return Ok(()),
            _ => return Err(format!("{path}: the value at {segment} is neither an object nor a list")),
        };
    }
    match (node, value) {
        (Value::Object(map), Some(value)) => {
            map.insert((*last).to_owned(), value);
        }
        (Value::Object(map), None) => {
            map.remove(*last);
        }
        (Value::Array(items), value) => {
            let index = last.parse::<usize>().ok().filter(|index| *index < items.len());
            match (index, value) {
                (Some(index), Some(value)) => items[index] = value,
                (Some(index), None) => {
                    items.remove(index);
                }
                (None, _) => return Err(format!("{path}: {last} is not an index of the list there")),
            }
        }
        (_, None) => {}
        (_, Some(_)) => return Err(format!("{path}: the value before {last} is neither an object nor a list")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sets_deep_paths_making_objects_and_indexing_lists() {
        let mut properties = json!({"VpcConfig": {"SecurityGroupIds": ["sg-1"]}, "Tags": [{"Key": "a", "Value": "1"}]});
        apply(&mut properties, "VpcConfig.SubnetIds", Some(json!(["subnet-1"]))).expect("set");
        apply(&mut properties, "Tags.0.Value", Some(json!("2"))).expect("set in a list");
        apply(&mut properties, "Tracing.Mode", Some(json!("Active"))).expect("made on the way");
        assert_eq!(
            properties,
            json!({
                "VpcConfig": {"SecurityGroupIds": ["sg-1"], "SubnetIds": ["subnet-1"]},
                "Tags": [{"Key": "a", "Value": "2"}],
                "Tracing": {"Mode": "Active"}
            })
        );
    }

    #[test]
    fn deletes_what_is_there_and_ignores_what_is_not() {
        let mut properties = json!({"A": {"B": 1, "C": 2}, "L": [1, 2]});
        apply(&mut properties, "A.B", None).expect("deleted");
        apply(&mut properties, "L.0", None).expect("deleted from the list");
        apply(&mut properties, "X.Y", None).expect("nothing to delete");
        assert_eq!(properties, json!({"A": {"C": 2}, "L": [2]}));
    }

    #[test]
    fn a_path_through_a_scalar_or_past_a_list_is_an_error() {
        let mut properties = json!({"A": 1, "L": [1]});
        assert!(apply(&mut properties, "A.B", Some(json!(2))).is_err());
        assert!(apply(&mut properties, "L.5", Some(json!(2))).is_err());
        assert!(apply(&mut properties, "A..B", Some(json!(2))).is_err());
    }
}
