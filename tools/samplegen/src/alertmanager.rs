//! Alertmanager 0.25 webhook payloads (version "4"), one JSON body per line.

use crate::json::{self, Obj};
use crate::output::Line;
use crate::time::{self, Us};
use std::collections::BTreeMap;

pub struct Alert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts: Us,
    pub ends: Option<Us>,
    pub expr: &'static str,
    pub fingerprint: String,
}

pub struct Am {
    pub receiver: &'static str,
    pub external_url: &'static str,
    pub prometheus: &'static str,
    pub cluster: &'static str,
}

/// Go's url.QueryEscape.
fn query_escape(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(char::from(b))
            }
            b' ' => o.push('+'),
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

fn map(m: &BTreeMap<String, String>) -> String {
    let mut o = Obj::go();
    for (k, v) in m {
        o = o.s(k, v);
    }
    o.done()
}

fn common(maps: Vec<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    let mut c = maps[0].clone();
    for m in &maps[1..] {
        c.retain(|k, v| m.get(k) == Some(v));
    }
    c
}

impl Am {
    pub fn alert(
        &self,
        labels: &[(&str, &str)],
        annotations: &[(&str, &str)],
        starts: Us,
        expr: &'static str,
        fingerprint: String,
    ) -> Alert {
        let mut l: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.insert("cluster".into(), self.cluster.into());
        Alert {
            labels: l,
            annotations: annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            starts,
            ends: None,
            expr,
            fingerprint,
        }
    }

    /// A webhook body for one alert group, sent at `sent` (true time).
    pub fn payload(&self, sent: Us, alerts: &[&Alert], group_by: &[&str]) -> Line {
        let resolved = alerts.iter().all(|a| a.ends.is_some_and(|e| e <= sent));
        let status = if resolved { "resolved" } else { "firing" };
        let items: Vec<String> = alerts
            .iter()
            .map(|a| {
                let firing = a.ends.is_none_or(|e| e > sent);
                let url = format!(
                    "{}/graph?g0.expr={}&g0.tab=1",
                    self.prometheus,
                    query_escape(a.expr)
                );
                Obj::go()
                    .s("status", if firing { "firing" } else { "resolved" })
                    .raw("labels", &map(&a.labels))
                    .raw("annotations", &map(&a.annotations))
                    .s("startsAt", &time::rfc3339_ms(a.starts))
                    .s(
                        "endsAt",
                        &if firing {
                            "0001-01-01T00:00:00Z".to_string()
                        } else {
                            time::rfc3339_ms(a.ends.expect("ends"))
                        },
                    )
                    .s("generatorURL", &url)
                    .s("fingerprint", &a.fingerprint)
                    .done()
            })
            .collect();
        let gl: BTreeMap<String, String> = group_by
            .iter()
            .filter_map(|k| alerts[0].labels.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let key = format!(
            "{{}}:{{{}}}",
            gl.iter()
                .map(|(k, v)| format!("{k}={}", json::quote(v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let text = Obj::go()
            .s("receiver", self.receiver)
            .s("status", status)
            .raw("alerts", &json::arr(&items))
            .raw("groupLabels", &map(&gl))
            .raw(
                "commonLabels",
                &map(&common(alerts.iter().map(|a| &a.labels).collect())),
            )
            .raw(
                "commonAnnotations",
                &map(&common(alerts.iter().map(|a| &a.annotations).collect())),
            )
            .s("externalURL", self.external_url)
            .s("version", "4")
            .s("groupKey", &key)
            .n("truncatedAlerts", 0)
            .done();
        let mut l = Line::new(sent, text);
        l.at = if resolved {
            alerts.iter().filter_map(|a| a.ends).max().unwrap_or(sent)
        } else {
            alerts.iter().map(|a| a.starts).min().unwrap_or(sent)
        };
        l.true_at = l.at;
        l
    }
}

impl Am {
    /// The webhook bodies of one alert's life: first notification after
    /// group_wait, repeats every `repeat`, the resolved one at the next
    /// group_interval tick after it ends. Tags the first as `mark`.
    pub fn lifecycle(
        &self,
        a: &Alert,
        group_by: &[&str],
        repeat: Us,
        mark: Option<&'static str>,
    ) -> Vec<Line> {
        use crate::output::Tag;
        use crate::time::SEC;
        let mut v = Vec::new();
        let first = a.starts + 30 * SEC;
        let mut l = self.payload(first, &[a], group_by);
        if let Some(m) = mark {
            l.mark(m, "alert.firing");
        }
        v.push(l);
        let ends = a.ends.unwrap_or(Us::MAX);
        let mut t = first + repeat;
        while t < ends {
            v.push(self.payload(t, &[a], group_by));
            t += repeat;
        }
        if let Some(e) = a.ends {
            let mut l = self.payload(e + 250 * SEC, &[a], group_by);
            if mark.is_some() {
                l.kind("alert.resolved");
            }
            v.push(l);
        }
        v
    }
}
