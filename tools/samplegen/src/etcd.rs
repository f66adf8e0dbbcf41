//! etcd 3.4 with --logger=zap: one JSON object per line, raft election lines.

use crate::json::Obj;
use crate::output::{Line, Tag};
use crate::rng::{self, Rng};
use crate::syslog::Host;
use crate::time::{self, MS, Us};

pub struct Member {
    pub name: &'static str,
    pub id: &'static str,
    pub host: Host,
    pub peer_url: &'static str,
}

pub enum V<'a> {
    S(&'a str),
    N(i64),
}

pub fn rec(m: &Member, t: Us, level: &str, caller: &str, msg: &str, extra: &[(&str, V)]) -> Line {
    let ts = t + m.host.offset;
    let mut o = Obj::new()
        .s("level", level)
        .s("ts", &time::rfc3339_ms(ts))
        .s("caller", caller)
        .s("msg", msg);
    for (k, v) in extra {
        o = match v {
            V::S(s) => o.s(k, s),
            V::N(n) => o.n(k, n),
        };
    }
    let mut l = Line::new(ts, o.done());
    l.at = ts - ts.rem_euclid(MS);
    l.true_at = t;
    l
}

/// Hourly periodic compaction.
pub fn compaction(m: &Member, t: Us, rev: i64, leader: bool) -> Vec<Line> {
    let mut v = Vec::new();
    if leader {
        v.push(rec(
            m,
            t,
            "info",
            "v3compactor/periodic.go:134",
            "starting auto periodic compaction",
            &[("revision", V::N(rev)), ("compact-period", V::S("1h0m0s"))],
        ));
        v.push(rec(
            m,
            t + 2 * MS,
            "info",
            "v3compactor/periodic.go:143",
            "completed auto periodic compaction",
            &[
                ("revision", V::N(rev)),
                ("compact-period", V::S("1h0m0s")),
                ("took", V::S("2.1ms")),
            ],
        ));
    }
    v.push(rec(
        m,
        t + 4 * MS,
        "info",
        "mvcc/index.go:189",
        "compact tree index",
        &[("revision", V::N(rev))],
    ));
    let took = format!("{:.6}ms", 9.0 + f64::from((rev % 97) as u32) / 7.0);
    v.push(rec(
        m,
        t + 19 * MS,
        "info",
        "mvcc/kvstore_compaction.go:56",
        "finished scheduled compaction",
        &[("compact-revision", V::N(rev)), ("took", V::S(&took))],
    ));
    v
}

pub fn slow_apply(m: &Member, r: &mut Rng, t: Us) -> Line {
    let took = format!("{:.6}ms", 100.0 + rng::exp(r, 60.0));
    let key = format!(
        "key:\"/registry/leases/kube-node-lease/{}\" ",
        rng::pick(r, &["lb1", "lb2", "cp1", "node1", "node2"])
    );
    rec(
        m,
        t,
        "warn",
        "etcdserver/util.go:163",
        "apply request took too long",
        &[
            ("took", V::S(&took)),
            ("expected-duration", V::S("100ms")),
            ("prefix", V::S("read-only range ")),
            ("request", V::S(&key)),
            ("response", V::S("range_response_count:1 size:578")),
        ],
    )
}

pub fn lost_stream(m: &Member, t: Us, peer: &str, stream: &str, err: &str) -> Line {
    rec(
        m,
        t,
        "warn",
        "rafthttp/stream.go:436",
        "lost TCP streaming connection with remote peer",
        &[
            ("stream-reader-type", V::S(stream)),
            ("local-member-id", V::S(m.id)),
            ("remote-peer-id", V::S(peer)),
            ("error", V::S(err)),
        ],
    )
}

pub fn peer_inactive(m: &Member, t: Us, peer: &str, err: &str) -> Line {
    rec(
        m,
        t,
        "warn",
        "rafthttp/peer_status.go:68",
        "peer became inactive (message send to peer failed)",
        &[("peer-id", V::S(peer)), ("error", V::S(err))],
    )
}

pub fn peer_active(m: &Member, t: Us, peer: &str) -> Line {
    rec(
        m,
        t,
        "info",
        "rafthttp/peer_status.go:51",
        "peer became active",
        &[("peer-id", V::S(peer))],
    )
}

pub fn established(m: &Member, t: Us, peer: &str, stream: &str) -> Line {
    rec(
        m,
        t,
        "info",
        "rafthttp/stream.go:425",
        "established TCP streaming connection with remote peer",
        &[
            ("stream-reader-type", V::S(stream)),
            ("local-member-id", V::S(m.id)),
            ("remote-peer-id", V::S(peer)),
        ],
    )
}

/// The leader notices it has lost quorum (check-quorum) and steps down.
pub fn step_down(m: &Member, t: Us, term: u64) -> Vec<Line> {
    let mut lost = rec(
        m,
        t,
        "info",
        "raft/node.go:333",
        &format!("raft.node: {} lost leader {} at term {term}", m.id, m.id),
        &[],
    );
    lost.mark("leader_lost", "orch.leader_lost");
    vec![
        rec(
            m,
            t,
            "warn",
            "raft/raft.go:1017",
            &format!(
                "{} stepped down to follower since quorum is not active",
                m.id
            ),
            &[],
        ),
        rec(
            m,
            t,
            "info",
            "raft/raft.go:706",
            &format!("{} became follower at term {term}", m.id),
            &[],
        ),
        lost,
    ]
}

/// A campaign that gets no votes: starting a new election, candidate, votes sent.
pub fn campaign(
    m: &Member,
    t: Us,
    term: u64,
    peers: &[&str],
    logterm: u64,
    index: u64,
) -> Vec<Line> {
    let mut v = vec![
        rec(
            m,
            t,
            "info",
            "raft/raft.go:929",
            &format!("{} is starting a new election at term {}", m.id, term - 1),
            &[],
        ),
        rec(
            m,
            t,
            "info",
            "raft/raft.go:719",
            &format!("{} became candidate at term {term}", m.id),
            &[],
        ),
        rec(
            m,
            t,
            "info",
            "raft/raft.go:830",
            &format!("{} received MsgVoteResp from {} at term {term}", m.id, m.id),
            &[],
        ),
    ];
    v[0].kind("orch.election");
    for p in peers {
        v.push(rec(m, t, "info", "raft/raft.go:817", &format!("{} [logterm: {logterm}, index: {index}] sent MsgVote request to {p} at term {term}", m.id), &[]));
    }
    v
}

pub fn lost_leader(m: &Member, t: Us, leader: &str, term: u64) -> Line {
    let mut l = rec(
        m,
        t,
        "info",
        "raft/node.go:333",
        &format!("raft.node: {} lost leader {leader} at term {term}", m.id),
        &[],
    );
    l.mark("leader_lost", "orch.leader_lost");
    l
}

/// A campaign that wins.
pub fn win(m: &Member, t: Us, term: u64, voters: &[&str], logterm: u64, index: u64) -> Vec<Line> {
    let mut v = campaign(m, t, term, voters, logterm, index);
    for p in voters {
        v.push(rec(
            m,
            t + MS,
            "info",
            "raft/raft.go:830",
            &format!("{} received MsgVoteResp from {p} at term {term}", m.id),
            &[],
        ));
    }
    let n = voters.len() + 1;
    v.push(rec(
        m,
        t + MS,
        "info",
        "raft/raft.go:1295",
        &format!(
            "{} has received {n} MsgVoteResp votes and 0 vote rejections",
            m.id
        ),
        &[],
    ));
    v.push(rec(
        m,
        t + MS,
        "info",
        "raft/raft.go:771",
        &format!("{} became leader at term {term}", m.id),
        &[],
    ));
    let mut e = rec(
        m,
        t + MS,
        "info",
        "raft/node.go:327",
        &format!("raft.node: {} elected leader {} at term {term}", m.id, m.id),
        &[],
    );
    e.mark("leader_elected", "orch.leader_elected");
    v.push(e);
    v
}

/// A follower votes for a candidate and learns the new leader.
pub fn vote_for(
    m: &Member,
    t: Us,
    cand: &str,
    old_term: u64,
    term: u64,
    logterm: u64,
    index: u64,
) -> Vec<Line> {
    let mut e = rec(
        m,
        t + MS,
        "info",
        "raft/node.go:327",
        &format!("raft.node: {} elected leader {cand} at term {term}", m.id),
        &[],
    );
    e.kind("orch.leader_elected");
    vec![
        rec(
            m,
            t,
            "info",
            "raft/raft.go:865",
            &format!(
                "{} [term: {old_term}] received a MsgVote message with higher term from {cand} [term: {term}]",
                m.id
            ),
            &[],
        ),
        rec(
            m,
            t,
            "info",
            "raft/raft.go:706",
            &format!("{} became follower at term {term}", m.id),
            &[],
        ),
        rec(
            m,
            t,
            "info",
            "raft/raft.go:966",
            &format!(
                "{} [logterm: {logterm}, index: {index}, vote: 0] cast MsgVote for {cand} [logterm: {logterm}, index: {index}] at term {term}",
                m.id
            ),
            &[],
        ),
        e,
    ]
}

/// A member that was cut off hears the leader's heartbeat of a later term.
pub fn rejoin(m: &Member, t: Us, leader: &str, old_term: u64, term: u64) -> Vec<Line> {
    let mut e = rec(
        m,
        t + MS,
        "info",
        "raft/node.go:327",
        &format!("raft.node: {} elected leader {leader} at term {term}", m.id),
        &[],
    );
    e.kind("orch.leader_elected");
    vec![
        rec(
            m,
            t,
            "info",
            "raft/raft.go:865",
            &format!(
                "{} [term: {old_term}] received a MsgHeartbeat message with higher term from {leader} [term: {term}]",
                m.id
            ),
            &[],
        ),
        rec(
            m,
            t,
            "info",
            "raft/raft.go:706",
            &format!("{} became follower at term {term}", m.id),
            &[],
        ),
        e,
    ]
}
