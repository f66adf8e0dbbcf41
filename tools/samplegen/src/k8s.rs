//! Kubernetes core/v1 Events, one JSON object per line (keys sorted, as
//! kubectl's JSON printer writes them), and the unrelated day-to-day events
//! of a cluster.

use crate::output::Line;
use crate::rng::{self, Rng};
use crate::time::{self, MIN, SEC, Us};
use serde_json::json;

fn uid(r: &mut Rng) -> String {
    let h = rng::hex(r, 32);
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        rng::pick(r, &["8", "9", "a", "b"]),
        &h[17..20],
        &h[20..32]
    )
}

pub struct Obj<'a> {
    pub kind: &'a str,
    pub ns: &'a str,
    pub name: &'a str,
    pub field_path: Option<&'a str>,
}

pub struct Ev<'a> {
    pub obj: Obj<'a>,
    pub reason: &'a str,
    pub message: &'a str,
    pub warning: bool,
    pub component: &'a str,
    pub host: Option<&'a str>,
    pub count: u32,
}

pub struct Cluster {
    rv: u64,
}

impl Cluster {
    pub fn new(rv: u64) -> Cluster {
        Cluster { rv }
    }

    /// An event whose last occurrence is at `t`; `first` is its first.
    pub fn event(&mut self, r: &mut Rng, first: Us, t: Us, ev: &Ev) -> Line {
        self.rv += 1 + rng::range(r, 0, 40);
        let api = match ev.obj.kind {
            "Deployment" | "ReplicaSet" => "apps/v1",
            "Job" | "CronJob" => "batch/v1",
            "HorizontalPodAutoscaler" => "autoscaling/v2",
            _ => "v1",
        };
        let mut inv = json!({
            "apiVersion": api,
            "kind": ev.obj.kind,
            "name": ev.obj.name,
            "namespace": ev.obj.ns,
            "resourceVersion": (self.rv - rng::range(r, 100, 5000)).to_string(),
            "uid": uid(r),
        });
        if let Some(fp) = ev.obj.field_path {
            inv["fieldPath"] = json!(fp);
        }
        if ev.obj.kind == "Node" {
            inv = json!({"kind": "Node", "name": ev.obj.name, "uid": ev.obj.name});
        }
        let mut source = json!({"component": ev.component});
        if let Some(h) = ev.host {
            source["host"] = json!(h);
        }
        let ns = if ev.obj.kind == "Node" {
            "default"
        } else {
            ev.obj.ns
        };
        let v = json!({
            "apiVersion": "v1",
            "count": ev.count,
            "eventTime": null,
            "firstTimestamp": time::rfc3339_s(first),
            "involvedObject": inv,
            "kind": "Event",
            "lastTimestamp": time::rfc3339_s(t),
            "message": ev.message,
            "metadata": {
                "creationTimestamp": time::rfc3339_s(first),
                "name": format!("{}.{:016x}", ev.obj.name, (first as u64).wrapping_mul(1000) ^ 0x1700_0000_0000_0000),
                "namespace": ns,
                "resourceVersion": self.rv.to_string(),
                "uid": uid(r),
            },
            "reason": ev.reason,
            "reportingComponent": "",
            "reportingInstance": "",
            "source": source,
            "type": if ev.warning { "Warning" } else { "Normal" },
        });
        let mut l = Line::new(t, serde_json::to_string(&v).expect("json"));
        l.at = time::floor_s(t);
        l
    }

    /// Unrelated day-to-day events between `start` and `end`, except during `quiet`.
    pub fn noise(
        &mut self,
        r: &mut Rng,
        start: Us,
        end: Us,
        nodes: &[&str],
        quiet: Option<(Us, Us)>,
    ) -> Vec<Line> {
        let gap_min = if end - start > 12 * crate::time::HOUR {
            30.0
        } else {
            11.0
        };
        let mut v = Vec::new();
        let apps = [
            "billing-worker",
            "report-api",
            "notifier",
            "image-resizer",
            "search-indexer",
            "webhooks",
        ];
        let mut t = start + rng::range(r, 1, 300) as Us * SEC;
        while t < end {
            if quiet.is_some_and(|(a, b)| t >= a && t < b) {
                t = quiet.expect("quiet").1 + rng::range(r, 5, 90) as Us * SEC;
                continue;
            }
            let app = *rng::pick(r, &apps);
            let ns = if app == "notifier" || app == "webhooks" {
                "platform"
            } else {
                "apps"
            };
            let node = *rng::pick(r, nodes);
            let rs = format!("{app}-{}", &rng::hex(r, 10)[..9]);
            let pod = format!("{rs}-{}", rng::alnum_upper(r, 5).to_lowercase());
            match rng::range(r, 0, 10) {
                0..=3 => {
                    // a rolling update step: scale up new RS, pod lifecycle, scale down old
                    let dep = Obj {
                        kind: "Deployment",
                        ns,
                        name: app,
                        field_path: None,
                    };
                    v.push(self.event(
                        r,
                        t,
                        t,
                        &Ev {
                            obj: dep,
                            reason: "ScalingReplicaSet",
                            message: &format!("Scaled up replica set {rs} to 1"),
                            warning: false,
                            component: "deployment-controller",
                            host: None,
                            count: 1,
                        },
                    ));
                    let rso = Obj {
                        kind: "ReplicaSet",
                        ns,
                        name: &rs,
                        field_path: None,
                    };
                    v.push(self.event(
                        r,
                        t,
                        t + SEC,
                        &Ev {
                            obj: rso,
                            reason: "SuccessfulCreate",
                            message: &format!("Created pod: {pod}"),
                            warning: false,
                            component: "replicaset-controller",
                            host: None,
                            count: 1,
                        },
                    ));
                    let p = |fp| Obj {
                        kind: "Pod",
                        ns,
                        name: &pod,
                        field_path: fp,
                    };
                    v.push(self.event(
                        r,
                        t + SEC,
                        t + SEC,
                        &Ev {
                            obj: p(None),
                            reason: "Scheduled",
                            message: &format!("Successfully assigned {ns}/{pod} to {node}"),
                            warning: false,
                            component: "default-scheduler",
                            host: None,
                            count: 1,
                        },
                    ));
                    let img = format!(
                        "registry.example.com/{app}:1.{}.{}",
                        rng::range(r, 4, 30),
                        rng::range(r, 0, 12)
                    );
                    let c = format!("spec.containers{{{app}}}");
                    let tt = t + 2 * SEC;
                    v.push(self.event(
                        r,
                        tt,
                        tt,
                        &Ev {
                            obj: p(Some(&c)),
                            reason: "Pulling",
                            message: &format!("Pulling image \"{img}\""),
                            warning: false,
                            component: "kubelet",
                            host: Some(node),
                            count: 1,
                        },
                    ));
                    let pull = rng::range(r, 800, 9000);
                    let tt2 = tt + pull as Us * 1000;
                    v.push(self.event(r, tt2, tt2, &Ev { obj: p(Some(&c)), reason: "Pulled", message: &format!("Successfully pulled image \"{img}\" in {}.{:03}s ({}.{:03}s including waiting)", pull / 1000, pull % 1000, pull / 1000, pull % 1000 + 3), warning: false, component: "kubelet", host: Some(node), count: 1 }));
                    v.push(self.event(
                        r,
                        tt2,
                        tt2,
                        &Ev {
                            obj: p(Some(&c)),
                            reason: "Created",
                            message: &format!("Created container {app}"),
                            warning: false,
                            component: "kubelet",
                            host: Some(node),
                            count: 1,
                        },
                    ));
                    v.push(self.event(
                        r,
                        tt2 + SEC,
                        tt2 + SEC,
                        &Ev {
                            obj: p(Some(&c)),
                            reason: "Started",
                            message: &format!("Started container {app}"),
                            warning: false,
                            component: "kubelet",
                            host: Some(node),
                            count: 1,
                        },
                    ));
                    let dep = Obj {
                        kind: "Deployment",
                        ns,
                        name: app,
                        field_path: None,
                    };
                    let old = format!("{app}-{}", &rng::hex(r, 10)[..9]);
                    v.push(self.event(
                        r,
                        tt2 + 20 * SEC,
                        tt2 + 20 * SEC,
                        &Ev {
                            obj: dep,
                            reason: "ScalingReplicaSet",
                            message: &format!("Scaled down replica set {old} to 0 from 1"),
                            warning: false,
                            component: "deployment-controller",
                            host: None,
                            count: 1,
                        },
                    ));
                }
                4..=5 => {
                    let c = format!("spec.containers{{{app}}}");
                    let n = 1 + rng::range(r, 0, 6) as u32;
                    let o = Obj {
                        kind: "Pod",
                        ns,
                        name: &pod,
                        field_path: Some(&c),
                    };
                    v.push(self.event(r, t, t + Us::from(n) * 10 * SEC, &Ev { obj: o, reason: "Unhealthy", message: "Readiness probe failed: HTTP probe failed with statuscode: 503", warning: true, component: "kubelet", host: Some(node), count: n }));
                }
                6 => {
                    let c = format!("spec.containers{{{app}}}");
                    let n = 2 + rng::range(r, 0, 20) as u32;
                    let o = Obj {
                        kind: "Pod",
                        ns,
                        name: &pod,
                        field_path: Some(&c),
                    };
                    v.push(self.event(
                        r,
                        t,
                        t + Us::from(n) * 30 * SEC,
                        &Ev {
                            obj: o,
                            reason: "BackOff",
                            message: "Back-off restarting failed container",
                            warning: true,
                            component: "kubelet",
                            host: Some(node),
                            count: n,
                        },
                    ));
                }
                7 => {
                    let o = Obj {
                        kind: "HorizontalPodAutoscaler",
                        ns,
                        name: app,
                        field_path: None,
                    };
                    let (a, b) = (rng::range(r, 2, 5), rng::range(r, 2, 5));
                    let msg = format!(
                        "New size: {b}; reason: cpu resource utilization (percentage of request) {} target",
                        if b > a { "above" } else { "below" }
                    );
                    v.push(self.event(
                        r,
                        t,
                        t,
                        &Ev {
                            obj: o,
                            reason: "SuccessfulRescale",
                            message: &msg,
                            warning: false,
                            component: "horizontal-pod-autoscaler",
                            host: None,
                            count: 1,
                        },
                    ));
                }
                _ => {
                    let job = format!("db-backup-{}", (t / SEC / 60) as u64);
                    let o = Obj {
                        kind: "CronJob",
                        ns: "ops",
                        name: "db-backup",
                        field_path: None,
                    };
                    v.push(self.event(
                        r,
                        t,
                        t,
                        &Ev {
                            obj: o,
                            reason: "SuccessfulCreate",
                            message: &format!("Created job {job}"),
                            warning: false,
                            component: "cronjob-controller",
                            host: None,
                            count: 1,
                        },
                    ));
                    let o = Obj {
                        kind: "Job",
                        ns: "ops",
                        name: &job,
                        field_path: None,
                    };
                    let d = t + rng::range(r, 40, 200) as Us * SEC;
                    v.push(self.event(
                        r,
                        d,
                        d,
                        &Ev {
                            obj: o,
                            reason: "Completed",
                            message: "Job completed",
                            warning: false,
                            component: "job-controller",
                            host: None,
                            count: 1,
                        },
                    ));
                }
            }
            t += (60.0 + rng::exp(r, gap_min * 60.0)) as Us * SEC + MIN / 4;
        }
        v.retain(|l| l.ts < end && !quiet.is_some_and(|(a, b)| l.ts >= a && l.ts < b));
        v
    }
}
