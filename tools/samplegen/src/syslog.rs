//! RFC 3164 lines as rsyslog's traditional file format writes them
//! ("Apr  4 22:00:01 lb1 prog[pid]: msg", no year), kernel lines with their
//! uptime stamp, netfilter/UFW drops, and the routine noise of a Linux host.

use crate::output::Line;
use crate::rng::{self, Rng};
use crate::time::{self, MIN, SEC, Us};

/// A host: its name, the offset of its clock from true UTC, its boot time.
#[derive(Clone)]
pub struct Host {
    pub name: &'static str,
    pub offset: Us,
    pub boot: Us,
    pub ip: &'static str,
    pub mac: &'static str,
}

impl Host {
    pub fn new(name: &'static str, ip: &'static str, mac: &'static str, boot: Us) -> Host {
        Host {
            name,
            offset: 0,
            boot,
            ip,
            mac,
        }
    }

    pub fn skewed(mut self, offset: Us) -> Host {
        self.offset = offset;
        self
    }
}

/// A syslog line for an event at true time `t`.
pub fn line(h: &Host, t: Us, tag: &str, msg: &str) -> Line {
    let ts = t + h.offset;
    let mut l = Line::new(ts, format!("{} {} {tag}: {msg}", time::syslog(ts), h.name));
    l.true_at = t;
    l
}

/// A kernel line with its "[uptime]" stamp.
pub fn kernel(h: &Host, t: Us, msg: &str) -> Line {
    let up = t + h.offset - h.boot;
    let stamp = format!("[{:>5}.{:06}]", up / SEC, up % SEC);
    line(h, t, "kernel", &format!("{stamp} {msg}"))
}

/// A packet dropped by UFW's logging rule.
pub fn ufw_block(h: &Host, r: &mut Rng, t: Us, src: &str, dpt: u16, udp: bool) -> Line {
    let gw = "52:54:00:9e:1a:01";
    let spt = rng::range(r, 1024, 65_535);
    let ttl = *rng::pick(r, &[44u32, 48, 51, 53, 57, 112, 115, 118, 238, 241, 245]);
    let id = rng::range(r, 0, 65_535);
    let msg = if udp {
        let len = *rng::pick(r, &[40u32, 56, 68, 121, 432]);
        format!(
            "[UFW BLOCK] IN=eth0 OUT= MAC={}:{gw}:08:00 SRC={src} DST={} LEN={len} TOS=0x00 PREC=0x00 TTL={ttl} ID={id} PROTO=UDP SPT={spt} DPT={dpt} LEN={} ",
            h.mac,
            h.ip,
            len - 20
        )
    } else {
        let (len, win, df) = if rng::chance(r, 0.6) {
            (60, 64_240, " DF")
        } else {
            (44, 1024, "")
        };
        format!(
            "[UFW BLOCK] IN=eth0 OUT= MAC={}:{gw}:08:00 SRC={src} DST={} LEN={len} TOS=0x00 PREC=0x00 TTL={ttl} ID={id}{df} PROTO=TCP SPT={spt} DPT={dpt} WINDOW={win} RES=0x00 SYN URGP=0 ",
            h.mac, h.ip
        )
    };
    kernel(h, t, &msg)
}

pub fn random_v4(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        rng::pick(
            r,
            &[
                5u8, 23, 45, 61, 80, 89, 103, 141, 162, 167, 185, 193, 194, 212, 218
            ]
        ),
        rng::range(r, 0, 256),
        rng::range(r, 0, 256),
        rng::range(r, 1, 255)
    )
}

/// Routine noise of a host between `start` and `end` (true times).
pub fn noise(h: &Host, r: &mut Rng, start: Us, end: Us, firewall: bool) -> Vec<Line> {
    let mut v = Vec::new();
    let mut pid = 40_000 + rng::range(r, 0, 20_000) as u32;
    let mut next_pid = |r: &mut Rng| {
        pid += 1 + rng::range(r, 0, 90) as u32;
        pid
    };
    // cron: sysstat every 10 minutes, cron.hourly at :17
    let mut t = start - start.rem_euclid(10 * MIN) + 10 * MIN;
    while t < end {
        let at = t + rng::range(r, 0, 900_000) as Us;
        let p = next_pid(r);
        v.push(line(
            h,
            at,
            &format!("CRON[{p}]"),
            "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
        ));
        if t.rem_euclid(60 * MIN) == 10 * MIN {
            let p = next_pid(r);
            v.push(line(
                h,
                at + 7 * MIN,
                &format!("CRON[{p}]"),
                "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
            ));
        }
        t += 10 * MIN;
    }
    // ssh logins by operators and the config-management agent
    let mut t = start + (rng::exp(r, 50.0 * 60.0) * SEC as f64) as Us;
    let mut session = 1200 + rng::range(r, 0, 800) as u32;
    while t < end {
        let p = next_pid(r);
        let (user, from) = *rng::pick(
            r,
            &[
                ("deploy", "10.0.9.5"),
                ("ansible", "10.0.9.7"),
                ("deploy", "10.0.9.6"),
            ],
        );
        let port = rng::range(r, 40_000, 60_000);
        v.push(line(h, t, &format!("sshd[{p}]"), &format!("Accepted publickey for {user} from {from} port {port} ssh2: ED25519 SHA256:q7Wj0xZ4mC3sd1Rk9ZpB2XvLkY8sQeN1fTgH5aUoP3w")));
        v.push(line(
            h,
            t + 12_000,
            &format!("sshd[{p}]"),
            &format!("pam_unix(sshd:session): session opened for user {user}(uid=1001) by (uid=0)"),
        ));
        session += 1;
        v.push(line(
            h,
            t + 20_000,
            "systemd-logind[612]",
            &format!("New session {session} of user {user}."),
        ));
        v.push(line(
            h,
            t + 31_000,
            "systemd[1]",
            &format!("Started Session {session} of User {user}."),
        ));
        let dur = ((60.0 + rng::exp(r, 240.0)) * SEC as f64) as Us;
        v.push(line(
            h,
            t + dur,
            &format!("sshd[{p}]"),
            &format!("pam_unix(sshd:session): session closed for user {user}"),
        ));
        v.push(line(
            h,
            t + dur + 4_000,
            "systemd-logind[612]",
            &format!("Session {session} logged out. Waiting for processes to exit."),
        ));
        v.push(line(
            h,
            t + dur + 9_000,
            "systemd-logind[612]",
            &format!("Removed session {session}."),
        ));
        t += ((600.0 + rng::exp(r, 70.0 * 60.0)) * SEC as f64) as Us;
    }
    // systemd timers
    let mut t = start + rng::range(r, 5 * MIN as u64, 40 * MIN as u64) as Us;
    while t < end {
        let (unit, desc) = *rng::pick(
            r,
            &[
                ("sysstat-collect.service", "system activity accounting tool"),
                ("motd-news.service", "Message of the Day"),
                ("apt-daily.service", "Daily apt download activities"),
                (
                    "fwupd-refresh.service",
                    "Refresh fwupd metadata and update motd",
                ),
            ],
        );
        v.push(line(h, t, "systemd[1]", &format!("Starting {desc}...")));
        v.push(line(
            h,
            t + 350_000,
            "systemd[1]",
            &format!("{unit}: Deactivated successfully."),
        ));
        v.push(line(
            h,
            t + 352_000,
            "systemd[1]",
            &format!("Finished {desc}."),
        ));
        t += ((1800.0 + rng::exp(r, 3600.0)) * SEC as f64) as Us;
    }
    // internet background radiation hitting the firewall
    if firewall {
        let mut t = start + (rng::exp(r, 90.0) * SEC as f64) as Us;
        while t < end {
            let src = random_v4(r);
            let (dpt, udp) = *rng::pick(
                r,
                &[
                    (23u16, false),
                    (22, false),
                    (3389, false),
                    (445, false),
                    (8080, false),
                    (5900, false),
                    (6379, false),
                    (1433, false),
                    (8088, false),
                    (2375, false),
                    (5060, true),
                    (123, true),
                    (1900, true),
                ],
            );
            v.push(ufw_block(h, r, t, &src, dpt, udp));
            t += ((5.0 + rng::exp(r, 95.0)) * SEC as f64) as Us;
        }
    }
    v.retain(|l| l.true_at < end);
    v
}

/// A sudo invocation as logged by sudo and pam.
pub fn sudo(h: &Host, t: Us, user: &str, cmd: &str) -> Vec<Line> {
    vec![
        line(
            h,
            t,
            "sudo",
            &format!("  {user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND={cmd}"),
        ),
        line(
            h,
            t + 2_000,
            "sudo",
            &format!(
                "pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid=1001)"
            ),
        ),
        line(
            h,
            t + 480_000,
            "sudo",
            "pam_unix(sudo:session): session closed for user root",
        ),
    ]
}
