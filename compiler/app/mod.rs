//! The resolved model: what to deploy after overlays, runtime presets and defaults are applied.
//!
//! `App` has no spans and no options left to interpret: every default is filled in from the
//! catalog and every value is parsed and valid. Generators read only this.

mod pod;

use std::collections::BTreeMap;

pub mod traffic;

pub use pod::*;
pub use traffic::{Flow, Peer, Scope};

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub name: String,
    pub namespace: String,
    pub version: Option<String>,
    /// User labels, put on every object and pod.
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub create_namespace: bool,
    pub managed_by: String,
    /// `[serve]` (named after the app) first, then each `[servers.NAME]` by name.
    pub servers: Vec<Server>,
    /// Jobs then schedules, each in name order.
    pub batches: Vec<Batch>,
    /// `[waivers]`: (checkov check ID, reason), written on every pod-bearing object.
    pub waivers: Vec<(String, String)>,
    /// Everything admitted into the app's workloads, in the order their NetworkPolicy rules are
    /// written (per workload: the app's own pods first, then what the spec declares).
    pub flows: Vec<Flow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// What the spec calls the server: the app's name for `[serve]`, `NAME` for
    /// `[servers.NAME]` (`callers` and ingress paths name servers by it).
    pub name: String,
    /// Its spec path, for messages: `serve` or `servers.NAME`.
    pub path: String,
    pub workload: Workload,
    /// The ports the Service publishes: the main container's, then its sidecars'.
    pub ports: Vec<Port>,
    /// The Service in front of the server.
    pub service: Service,
    pub replicas: Replicas,
    pub rollout: Rollout,
    pub ingress: Option<Ingress>,
    /// `[serve.route]`: a Gateway API HTTPRoute instead of an Ingress.
    pub route: Option<Route>,
    pub spread: Spread,
    pub revision_history_limit: i32,
    pub progress_deadline_seconds: i32,
    pub termination_grace_seconds: i64,
    pub pre_stop_sleep_seconds: i64,
    /// The Prometheus endpoint the runtime serves, if any.
    pub metrics: Option<Metrics>,
    /// `[serve.state]`: a StatefulSet with a claim per replica, instead of a Deployment.
    pub state: Option<State>,
    /// `[serve.group]`: a LeaderWorkerSet whose replicas are groups of pods on several nodes.
    pub group: Option<Group>,
}

/// A server over several nodes: each replica a group of `size` pods, a leader that serves and
/// workers that run the same container without its ports and probes.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub size: i32,
    /// The ports the pods of a group reach each other on: (number, last number of a range).
    pub ports: Vec<(i32, Option<i32>)>,
    /// The workers' own command line, when they run something else than the leader (a Ray
    /// worker joining the leader's Ray head); `None`: the leader's container as it is.
    pub worker_command: Option<Vec<String>>,
}

impl Server {
    /// The kind of the object that runs the server's pods, which autoscalers target:
    /// `(apiVersion, kind)`.
    pub fn controller(&self) -> (&'static str, &'static str) {
        match (&self.state, &self.group) {
            (_, Some(_)) => ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"),
            (Some(_), None) => ("apps/v1", "StatefulSet"),
            (None, None) => ("apps/v1", "Deployment"),
        }
    }
}

/// A server whose replicas keep their own state: a StatefulSet, its headless Service and a
/// claim per replica.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `podManagementPolicy`: `Parallel` or `OrderedReady`.
    pub pod_management: String,
    /// The headless Service that gives each replica a DNS name (the StatefulSet's
    /// `serviceName`).
    pub service: String,
    /// One volumeClaimTemplate each, by name.
    pub claims: Vec<Claim>,
}

/// A claim every replica gets, mounted read-write at `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub name: String,
    pub path: String,
    pub claim: NewClaim,
}

/// Where Prometheus scrapes the server, what tells it to (pod annotations or a monitor object),
/// and the namespace it scrapes from (a flow to `port`).
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// The container port (one of `Server::ports`), by number and name.
    pub port: i32,
    pub port_name: String,
    pub path: String,
    /// The namespace the scraper runs in, admitted to `port`.
    pub scraper_namespace: String,
    pub monitor: Monitor,
    /// A monitor object's scrape interval.
    pub interval: String,
    /// Labels on a monitor object.
    pub labels: BTreeMap<String, String>,
}

/// What tells the scraper about the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monitor {
    /// `prometheus.io/scrape|port|path` on the pods.
    Annotations,
    /// A Prometheus Operator PodMonitor.
    PodMonitor,
    /// A Prometheus Operator ServiceMonitor (the Service must publish the port).
    ServiceMonitor,
    /// A GKE Managed Prometheus PodMonitoring.
    PodMonitoring,
}

/// The Service in front of a server.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    /// `ClusterIP`, `LoadBalancer` or `NodePort`.
    pub type_: String,
    /// What it publishes, in the order of the server's ports.
    pub ports: Vec<ServicePort>,
    pub annotations: BTreeMap<String, String>,
    /// `loadBalancerSourceRanges`.
    pub source_ranges: Vec<String>,
    /// `externalTrafficPolicy` (`Local`, `Cluster`), for a load balancer or node port.
    pub external_traffic_policy: Option<String>,
}

/// One Service port: a container port (by name) published on a number.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePort {
    /// The container port's name, which the Service port also takes.
    pub name: String,
    pub port: i32,
    /// The container port's number.
    pub target: i32,
    pub app_protocol: Option<String>,
}

impl Service {
    /// Whether it is reachable from outside the cluster (a load balancer or node port).
    pub fn is_external(&self) -> bool {
        self.type_ != "ClusterIP"
    }

    /// The Service port that publishes a container port, by its name.
    pub fn port_of(&self, name: &str) -> Option<&ServicePort> {
        self.ports.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub name: String,
    pub port: i32,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Replicas {
    Fixed(i32),
    /// A HorizontalPodAutoscaler.
    Auto {
        min: i32,
        max: i32,
        target: Target,
        scale_down: Option<ScaleDown>,
    },
    /// A KEDA ScaledObject (KEDA owns the HPA); `min` may be 0.
    Keda {
        min: i32,
        max: i32,
        keda: Keda,
    },
}

impl Replicas {
    /// The fewest replicas that will run.
    pub fn min(&self) -> i32 {
        match self {
            Replicas::Fixed(n) => *n,
            Replicas::Auto { min, .. } | Replicas::Keda { min, .. } => *min,
        }
    }

    /// Whether a PodDisruptionBudget can protect the server: at least two replicas always run,
    /// so one can go down on a drain. The generator and warning W0004 both ask this.
    ///
    /// Under KEDA, whenever it can scale to two or more: the budget (`maxUnavailable: 1`) never
    /// blocks scaling to zero, because scaling down deletes pods and does not evict them; at zero
    /// it selects nothing, at one it still lets a drain evict that pod, and scaled up it keeps
    /// drains to one replica at a time.
    pub fn has_disruption_budget(&self) -> bool {
        match self {
            Replicas::Keda { max, .. } => *max >= 2,
            _ => self.min() >= 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    CpuUtilization(i32),
    MemoryUtilization(i32),
    /// A per-pod custom metric averaged across pods (a `Pods` metric of the custom metrics API).
    PodsMetric {
        name: String,
        average: String,
        selector: BTreeMap<String, String>,
    },
    /// A metric of something outside the cluster (a queue, a cloud service): an `External`
    /// metric of the external metrics API.
    External {
        name: String,
        amount: Amount,
        selector: BTreeMap<String, String>,
    },
}

/// What the autoscaler keeps an external metric at.
#[derive(Debug, Clone, PartialEq)]
pub enum Amount {
    /// The metric divided by the replica count (`AverageValue`).
    Average(String),
    /// The metric as a whole (`Value`).
    Value(String),
}

/// `[serve.scaling.keda]`, resolved: KEDA's polling and cooldown and at least one trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Keda {
    pub polling_seconds: i32,
    pub cooldown_seconds: i32,
    pub triggers: Vec<Trigger>,
    /// How fast the HPA KEDA makes removes pods.
    pub scale_down: Option<ScaleDown>,
}

/// `[serve.scaling.scale_down]`: the autoscaler's scale-down behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleDown {
    /// How long the load must stay low before pods are removed.
    pub stabilization_seconds: Option<i32>,
    /// At most this many pods (or percent of them) removed per period of seconds.
    pub max: Option<(IntOrPercent, i32)>,
}

/// One KEDA trigger. Scale-to-zero happens when every trigger is inactive.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A PromQL query; replicas = ceil(value / threshold); active above `activation`.
    Prometheus {
        server: String,
        query: String,
        threshold: String,
        activation: Option<String>,
    },
    /// `replicas` pods between the `start` and `end` cron lines, in `timezone`.
    Cron {
        timezone: String,
        start: String,
        end: String,
        replicas: i32,
    },
}

/// `[serve.route]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub gateway: String,
    /// The Gateway's namespace; `None` is the app's own.
    pub namespace: Option<String>,
    /// Where the Gateway's proxies run, when not in the Gateway's namespace.
    pub proxy_namespace: Option<String>,
    pub hostnames: Vec<String>,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rollout {
    Recreate,
    /// maxSurge, maxUnavailable: an integer or a percentage string.
    Rolling {
        max_surge: IntOrPercent,
        max_unavailable: IntOrPercent,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum IntOrPercent {
    Int(i32),
    Percent(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ingress {
    /// `None`: every host the controller serves.
    pub host: Option<String>,
    /// Each path prefix to a server's Service, in the spec's order.
    pub paths: Vec<IngressPath>,
    pub class: Option<String>,
    pub tls: Option<Tls>,
    /// The class's, then the spec's (which win).
    pub annotations: BTreeMap<String, String>,
}

/// One path of an Ingress: a prefix, and the Service port (by name) it routes to.
#[derive(Debug, Clone, PartialEq)]
pub struct IngressPath {
    pub path: String,
    pub service: String,
    pub port: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tls {
    Secret(String),
    /// cert-manager: the annotation key (`cert-manager.io/issuer` or `…/cluster-issuer`), the
    /// issuer name, and the Secret it writes.
    CertManager {
        annotation: String,
        issuer: String,
        secret: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    None,
    Zone,
    Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub workload: Workload,
    pub schedule: Option<Schedule>,
    pub backoff_limit: i32,
    pub active_deadline_seconds: Option<i64>,
    pub ttl_seconds: Option<i32>,
    /// "Never" or "OnFailure".
    pub restart_policy: String,
    pub parallelism: Option<i32>,
    pub completions: Option<i32>,
    /// Hosts of the multi-host TPU slice the pods run on: an Indexed Job with one pod per host
    /// (`parallelism` = `completions` = hosts) and a headless Service, named like the workload,
    /// that gives each pod a stable DNS name.
    pub hosts: Option<i32>,
    /// The Kueue LocalQueue that admits the work: a `kueue.x-k8s.io/queue-name` label, and the
    /// Job created suspended.
    pub queue: Option<String>,
    /// Slices of a multi-host TPU topology that train together: a JobSet of one Indexed Job of
    /// `hosts` pods per slice, in place of the Job and its headless Service.
    pub slices: Option<JobSet>,
}

/// A job of TPU slices as a JobSet: its replicated Job and the variables of each container.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSet {
    pub slices: i32,
    /// The name of the one replicated Job.
    pub replicated_job: String,
    /// Literal variables every container gets (MEGASCALE_* for more than one slice).
    pub env: BTreeMap<String, String>,
    /// A variable → the pod label it is read from (the slice's index).
    pub label_env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub cron: String,
    pub timezone: Option<String>,
    /// "Allow", "Forbid" or "Replace".
    pub concurrency: String,
    pub starting_deadline_seconds: Option<i64>,
    pub successful_history: i32,
    pub failed_history: i32,
    pub suspend: bool,
}

/// The waivers a workload's objects carry: the app's, then the workload's own; a check both
/// name keeps its place among the app's with the workload's reason.
pub fn waivers_of(app: &[(String, String)], own: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = app
        .iter()
        .map(|(id, why)| {
            let why = own.iter().find(|(o, _)| o == id).map_or(why, |(_, w)| w);
            (id.clone(), why.clone())
        })
        .collect();
    out.extend(
        own.iter()
            .filter(|(id, _)| !app.iter().any(|(a, _)| a == id))
            .cloned(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::waivers_of;

    #[test]
    fn a_workloads_waivers_follow_the_apps_and_replace_a_reason_they_share() {
        let pair = |id: &str, why: &str| (id.to_string(), why.to_string());
        let app = [pair("CKV_K8S_35", "env"), pair("CKV_K8S_43", "app")];
        let own = [pair("CKV_K8S_38", "token"), pair("CKV_K8S_43", "own")];
        assert_eq!(
            waivers_of(&app, &own),
            [
                pair("CKV_K8S_35", "env"),
                pair("CKV_K8S_43", "own"),
                pair("CKV_K8S_38", "token")
            ]
        );
        assert_eq!(waivers_of(&app, &[]), app);
        assert_eq!(waivers_of(&[], &own), own);
    }
}
