//! PagerDuty incident log entries as the REST API v2 returns them
//! (GET /incidents/{id}/log_entries), one JSON object per line, oldest first.

use crate::json::{self, Obj};
use crate::output::Line;
use crate::rng::{self, Rng};
use crate::time::{self, Us};

pub struct Ref {
    pub id: &'static str,
    pub name: &'static str,
}

pub struct Pd {
    pub sub: &'static str,
    pub service: Ref,
    pub team: Ref,
    pub integration: Ref,
    pub incident_id: String,
    pub number: u32,
    pub title: String,
}

pub enum Agent<'a> {
    Integration,
    Service,
    User(&'a Ref),
}

impl Pd {
    fn api(&self, path: &str) -> String {
        format!("https://api.pagerduty.com/{path}")
    }

    fn web(&self, path: &str) -> String {
        format!("https://{}.pagerduty.com/{path}", self.sub)
    }

    fn reference(&self, ty: &str, coll: &str, id: &str, summary: &str) -> String {
        Obj::new()
            .s("id", id)
            .s("type", ty)
            .s("summary", summary)
            .s("self", &self.api(&format!("{coll}/{id}")))
            .s("html_url", &self.web(&format!("{coll}/{id}")))
            .done()
    }

    fn user(&self, u: &Ref) -> String {
        self.reference("user_reference", "users", u.id, u.name)
    }

    fn agent(&self, a: &Agent) -> String {
        match a {
            Agent::Integration => Obj::new()
                .s("id", self.integration.id)
                .s("type", "events_api_v2_inbound_integration_reference")
                .s("summary", self.integration.name)
                .s(
                    "self",
                    &self.api(&format!(
                        "services/{}/integrations/{}",
                        self.service.id, self.integration.id
                    )),
                )
                .s(
                    "html_url",
                    &self.web(&format!(
                        "services/{}/integrations/{}",
                        self.service.id, self.integration.id
                    )),
                )
                .done(),
            Agent::Service => self.reference(
                "service_reference",
                "service_directory",
                self.service.id,
                self.service.name,
            ),
            Agent::User(u) => self.user(u),
        }
    }

    /// One log entry; `extra` are (key, raw JSON) pairs appended at the end.
    pub fn entry(
        &self,
        r: &mut Rng,
        t: Us,
        (ty, summary): (&str, &str),
        agent: Agent,
        channel: &str,
        extra: &[(&str, String)],
    ) -> Line {
        let id = format!("R{}", rng::alnum_upper(r, 25));
        let mut o = Obj::new()
            .s("id", &id)
            .s("type", ty)
            .s("summary", summary)
            .s("self", &self.api(&format!("log_entries/{id}")))
            .s(
                "html_url",
                &self.web(&format!("incidents/{}/log_entries/{id}", self.incident_id)),
            )
            .s("created_at", &time::rfc3339_s(t))
            .raw("agent", &self.agent(&agent))
            .raw("channel", channel)
            .raw(
                "service",
                &self.reference(
                    "service_reference",
                    "service_directory",
                    self.service.id,
                    self.service.name,
                ),
            )
            .raw(
                "incident",
                &self.reference(
                    "incident_reference",
                    "incidents",
                    &self.incident_id,
                    &format!("[#{}] {}", self.number, self.title),
                ),
            )
            .raw(
                "teams",
                &json::arr(&[self.reference(
                    "team_reference",
                    "teams",
                    self.team.id,
                    self.team.name,
                )]),
            )
            .raw("contexts", "[]");
        for (k, v) in extra {
            o = o.raw(k, v);
        }
        Line::new(t, o.done())
    }

    pub fn trigger(&self, r: &mut Rng, t: Us, details: &str) -> Line {
        let channel = Obj::new()
            .s("type", "api")
            .s("summary", &self.title)
            .raw(
                "details",
                &Obj::new()
                    .s("firing", details)
                    .n("num_firing", 1)
                    .n("num_resolved", 0)
                    .done(),
            )
            .done();
        self.entry(
            r,
            t,
            ("trigger_log_entry", "Triggered through the API."),
            Agent::Integration,
            &channel,
            &[(
                "event_details",
                Obj::new().s("description", &self.title).done(),
            )],
        )
    }

    pub fn assign(&self, r: &mut Rng, t: Us, to: &Ref, by: Agent) -> Line {
        let summary = format!("Assigned to {}.", to.name);
        let channel = if matches!(by, Agent::User(_)) {
            r#"{"type":"web_trigger"}"#
        } else {
            r#"{"type":"auto"}"#
        };
        self.entry(
            r,
            t,
            ("assign_log_entry", &summary),
            by,
            channel,
            &[("assignees", json::arr(&[self.user(to)]))],
        )
    }

    pub fn ack(&self, r: &mut Rng, t: Us, by: &Ref) -> Line {
        let summary = format!("Acknowledged by {}.", by.name);
        self.entry(
            r,
            t,
            ("acknowledge_log_entry", &summary),
            Agent::User(by),
            r#"{"type":"mobile"}"#,
            &[("acknowledgement_timeout", "1800".to_string())],
        )
    }

    pub fn escalate(&self, r: &mut Rng, t: Us, by: &Ref, to: &Ref, level: u32) -> Line {
        let summary = format!("Escalated to {} (level {level}) by {}.", to.name, by.name);
        self.entry(
            r,
            t,
            ("escalate_log_entry", &summary),
            Agent::User(by),
            r#"{"type":"website"}"#,
            &[
                ("assignees", json::arr(&[self.user(to)])),
                ("escalation_level", level.to_string()),
            ],
        )
    }

    pub fn resolve(&self, r: &mut Rng, t: Us, by: &Ref) -> Line {
        let summary = format!("Resolved by {}.", by.name);
        self.entry(
            r,
            t,
            ("resolve_log_entry", &summary),
            Agent::User(by),
            r#"{"type":"website"}"#,
            &[],
        )
    }
}
