//! The monitored resource every series is written against.

use std::collections::BTreeMap;

use super::ConfigError;

/// The labels each supported resource type requires, `project_id` (filled in from the
/// exporter's project) left out. Cloud Monitoring rejects a series whose resource lacks one.
const REQUIRED: &[(&str, &[&str])] = &[
    ("global", &[]),
    ("generic_node", &["location", "namespace", "node_id"]),
    ("generic_task", &["location", "namespace", "job", "task_id"]),
    ("gce_instance", &["instance_id", "zone"]),
    (
        "k8s_container",
        &[
            "location",
            "cluster_name",
            "namespace_name",
            "pod_name",
            "container_name",
        ],
    ),
];

/// A Cloud Monitoring monitored resource: what the series describe. `global` by default.
///
/// The constructors take exactly the labels the API requires for their type; `project_id` is
/// added from the exporter's project. [`MonitoredResource::new`] checks a type and labels
/// given at run time (from configuration).
///
/// ```
/// use telemetry_exporters::stackdriver::MonitoredResource;
///
/// let task = MonitoredResource::generic_task("europe-west1", "ev", "observer", "7");
/// assert_eq!(task.resource_type(), "generic_task");
/// let same = MonitoredResource::new(
///     "generic_task",
///     [("location", "europe-west1"), ("namespace", "ev"), ("job", "observer"), ("task_id", "7")],
/// )?;
/// assert_eq!(task, same);
/// assert!(MonitoredResource::new("gce_instance", [("zone", "us-east1-b")]).is_err()); // no instance_id
/// # Ok::<(), telemetry_exporters::stackdriver::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitoredResource {
    resource_type: String,
    labels: BTreeMap<String, String>,
}

impl Default for MonitoredResource {
    fn default() -> Self {
        MonitoredResource::global()
    }
}

impl MonitoredResource {
    /// `global`: no labels but the project. Several processes writing the same metric
    /// under it would collide, so the exporter adds a per-process label by default
    /// ([`StackdriverExporterBuilder::with_unique_label`](super::StackdriverExporterBuilder::with_unique_label)).
    #[must_use]
    pub fn global() -> Self {
        Self::unchecked("global", [])
    }

    /// `generic_node`: a machine (`node_id`) in a `location` (a GCP region or zone) and a
    /// `namespace` of your choosing.
    #[must_use]
    pub fn generic_node(location: &str, namespace: &str, node_id: &str) -> Self {
        Self::unchecked(
            "generic_node",
            [
                ("location", location),
                ("namespace", namespace),
                ("node_id", node_id),
            ],
        )
    }

    /// `generic_task`: one task (`task_id`) of a `job`, in a `location` and `namespace`.
    #[must_use]
    pub fn generic_task(location: &str, namespace: &str, job: &str, task_id: &str) -> Self {
        Self::unchecked(
            "generic_task",
            [
                ("location", location),
                ("namespace", namespace),
                ("job", job),
                ("task_id", task_id),
            ],
        )
    }

    /// `gce_instance`: a Compute Engine VM by its numeric `instance_id` and `zone`.
    #[must_use]
    pub fn gce_instance(instance_id: &str, zone: &str) -> Self {
        Self::unchecked(
            "gce_instance",
            [("instance_id", instance_id), ("zone", zone)],
        )
    }

    /// `k8s_container`: one container of a GKE pod.
    #[must_use]
    pub fn k8s_container(
        location: &str,
        cluster_name: &str,
        namespace_name: &str,
        pod_name: &str,
        container_name: &str,
    ) -> Self {
        Self::unchecked(
            "k8s_container",
            [
                ("location", location),
                ("cluster_name", cluster_name),
                ("namespace_name", namespace_name),
                ("pod_name", pod_name),
                ("container_name", container_name),
            ],
        )
    }

    /// A resource of one of the supported types (`global`, `generic_node`, `generic_task`,
    /// `gce_instance`, `k8s_container`) with exactly its required labels, each non-empty
    /// (`project_id` may be left out: the exporter fills it in).
    ///
    /// # Errors
    /// [`ConfigError::Resource`] naming the unsupported type, the missing or empty label, or
    /// the label the type does not have.
    pub fn new<K, V>(
        resource_type: &str,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let invalid = |message: String| ConfigError::Resource {
            resource_type: resource_type.to_owned(),
            message,
        };
        let required = REQUIRED
            .iter()
            .find(|(ty, _)| *ty == resource_type)
            .map(|(_, labels)| *labels)
            .ok_or_else(|| {
                let known: Vec<&str> = REQUIRED.iter().map(|(ty, _)| *ty).collect();
                invalid(format!("unsupported type; supported: {}", known.join(", ")))
            })?;
        let mut map = BTreeMap::new();
        for (key, value) in labels {
            let (key, value) = (key.into(), value.into());
            if key != "project_id" && !required.contains(&key.as_str()) {
                return Err(invalid(format!(
                    "has no label {key:?}; its labels: {}",
                    required.join(", ")
                )));
            }
            map.insert(key, value);
        }
        for label in required {
            match map.get(*label) {
                Some(v) if !v.is_empty() => {}
                _ => return Err(invalid(format!("requires a non-empty label {label:?}"))),
            }
        }
        Ok(MonitoredResource {
            resource_type: resource_type.to_owned(),
            labels: map,
        })
    }

    fn unchecked<'a>(
        resource_type: &str,
        labels: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        MonitoredResource {
            resource_type: resource_type.to_owned(),
            labels: labels
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The resource type (`global`, `generic_task`, …).
    #[must_use]
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The labels, without `project_id` unless it was given.
    #[must_use]
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// True when the resource names one process (a task, a container), so that two
    /// processes never write the same series; `global` and machines do not.
    pub(super) fn identifies_process(&self) -> bool {
        matches!(
            self.resource_type.as_str(),
            "generic_task" | "k8s_container"
        )
    }

    /// The labels as sent: the given ones with `project_id` set (an empty one replaced).
    pub(super) fn wire_labels(&self, project: &str) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        match labels.get("project_id") {
            Some(p) if !p.is_empty() => {}
            _ => {
                labels.insert("project_id".into(), project.to_owned());
            }
        }
        labels
    }

    /// Checks the labels of a resource built with a constructor (empty values).
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        MonitoredResource::new(&self.resource_type, self.labels.clone()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_labels_are_checked() {
        assert!(MonitoredResource::global().validate().is_ok());
        assert!(MonitoredResource::generic_node("", "ns", "n1")
            .validate()
            .is_err());
        let err = MonitoredResource::new("k8s_container", [("location", "x")]).unwrap_err();
        assert!(err.to_string().contains("cluster_name"), "{err}");
        let err = MonitoredResource::new("global", [("zone", "x")]).unwrap_err();
        assert!(err.to_string().contains("\"zone\""), "{err}");
        assert!(MonitoredResource::new("aws_ec2_instance", [("a", "b")]).is_err());
        let labels = MonitoredResource::gce_instance("1", "z").wire_labels("p");
        assert_eq!(labels["project_id"], "p");
        assert!(!MonitoredResource::global().identifies_process());
        assert!(MonitoredResource::generic_task("l", "n", "j", "t").identifies_process());
    }
}
