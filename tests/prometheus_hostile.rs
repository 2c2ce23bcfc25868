//! `/metrics` cannot be knocked over: each hostile client that stalled,
//! killed or froze the round-1 server (issue 18) is tried here, and after
//! each one an ordinary scrape must still be answered, and the run must
//! still end. Loopback only; every wait is bounded by a generous deadline
//! that fails the test only on a real hang.

mod fixture;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pipetop::export::prometheus::Exporter;

/// Longer than any wait the server imposes on a client (10 s header read):
/// reaching it means something hangs.
const HANG: Duration = Duration::from_secs(40);

/// An exporter on a free loopback port, serving a five-stage snapshot.
fn exporter() -> Exporter {
    let exporter = Exporter::bind("127.0.0.1:0".parse().unwrap()).expect("a free port");
    let snapshot = fixture::snapshot(fixture::Scene::Normal, 10, 0.0);
    exporter.publish(&Arc::new(snapshot));
    exporter
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, HANG).expect("the server accepts");
    stream.set_read_timeout(Some(HANG)).unwrap();
    stream.set_write_timeout(Some(HANG)).unwrap();
    stream
}

/// Everything the server sends until it closes the connection (or, if it
/// sends a whole response and keeps the connection, until then).
fn read_reply(stream: &mut TcpStream) -> String {
    let mut reply = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no reply before the deadline: {e}"),
        }
        if whole_response(&reply) {
            break;
        }
    }
    String::from_utf8_lossy(&reply).into_owned()
}

/// Whether `bytes` hold a response head and all of its Content-Length.
fn whole_response(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    length.is_some_and(|length| body.len() >= length)
}

/// An ordinary scrape: must be answered with 200; returns the reply.
fn answered(addr: SocketAddr) -> String {
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: pipetop\r\nConnection: close\r\n\r\n")
        .unwrap();
    let reply = read_reply(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.200}");
    reply
}

/// An ordinary scrape of a published snapshot: 200 and the metrics.
fn scrape(addr: SocketAddr) {
    let reply = answered(addr);
    assert!(reply.contains("pipetop_generated_total"), "{reply:.200}");
}

#[test]
fn a_huge_content_length_is_not_allocated_and_the_server_lives() {
    let exporter = exporter();
    let mut stream = connect(exporter.addr());
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
        .unwrap();
    let reply = read_reply(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.200}");
    assert!(reply.to_ascii_lowercase().contains("connection: close"));
    scrape(exporter.addr());
}

#[test]
fn a_client_that_never_reads_stalls_only_itself() {
    let exporter = exporter();
    // Enough pipelined requests that the responses fill both socket buffers.
    let mut hog = connect(exporter.addr());
    let request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    for _ in 0..400 {
        if hog.write_all(request).is_err() {
            break;
        }
    }
    for _ in 0..3 {
        scrape(exporter.addr());
    }
    drop(hog);
}

#[test]
fn a_body_announced_and_never_sent_stalls_only_itself() {
    let exporter = exporter();
    let mut silent = connect(exporter.addr());
    silent
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        .unwrap();
    scrape(exporter.addr());
    // It gets its answer too: the body is never waited for.
    let reply = read_reply(&mut silent);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.200}");
}

#[test]
fn many_idle_connections_leave_scrapes_answered() {
    let exporter = exporter();
    let idle: Vec<TcpStream> = (0..200).map(|_| connect(exporter.addr())).collect();
    for _ in 0..3 {
        scrape(exporter.addr());
    }
    drop(idle);
}

#[test]
fn a_huge_header_is_refused_without_buffering_it() {
    let exporter = exporter();
    let mut stream = connect(exporter.addr());
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ")
        .unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    // 64 MiB offered; the server stops reading after 16 KiB and closes.
    let mut refused = false;
    for _ in 0..1024 {
        if stream.write_all(&chunk).is_err() {
            refused = true;
            break;
        }
    }
    let reply = read_reply(&mut stream);
    assert!(
        refused || reply.starts_with("HTTP/1.1 431"),
        "the header was read to its end: {reply:.200}"
    );
    if !reply.is_empty() {
        assert!(reply.starts_with("HTTP/1.1 431"), "{reply:.200}");
    }
    scrape(exporter.addr());
}

#[test]
fn garbage_and_a_tls_hello_get_400_and_a_closed_connection() {
    let exporter = exporter();
    let tls_hello: &[u8] = &[
        0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x00, 0x01, 0x02, 0x03,
    ];
    for request in [
        b"\x00\x01garbage that is not HTTP\r\n\r\n".as_slice(),
        tls_hello,
        b"GET /metrics HTTP/9.9\r\n\r\n",
    ] {
        let mut stream = connect(exporter.addr());
        stream.write_all(request).unwrap();
        let reply = read_reply(&mut stream);
        assert!(
            reply.starts_with("HTTP/1.1 400"),
            "{request:?}: {reply:.200}"
        );
        // Then the server closes: the next read sees the end.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    }
    scrape(exporter.addr());
}

#[test]
fn a_bare_lf_request_is_answered() {
    let exporter = exporter();
    let mut stream = connect(exporter.addr());
    stream
        .write_all(b"GET /metrics HTTP/1.1\nHost: x\nConnection: close\n\n")
        .unwrap();
    let reply = read_reply(&mut stream);
    // HTTP/1.1 lets a server accept a bare LF as a line end; hyper does.
    assert!(reply.starts_with("HTTP/1.1 200"), "no answer: {reply:.200}");
    scrape(exporter.addr());
}

#[test]
fn a_post_gets_405_with_allow() {
    let exporter = exporter();
    let mut stream = connect(exporter.addr());
    stream
        .write_all(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    let reply = read_reply(&mut stream).to_ascii_lowercase();
    assert!(reply.starts_with("http/1.1 405"), "{reply:.200}");
    assert!(reply.contains("\r\nallow: get, head\r\n"), "{reply:.300}");
}

#[test]
fn a_head_request_gets_the_headers_only() {
    let exporter = exporter();
    let mut stream = connect(exporter.addr());
    stream
        .write_all(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.200}");
    let (head, body) = reply.split_once("\r\n\r\n").expect("a head");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain"),
        "{head}"
    );
    assert_eq!(body, "", "no body after a HEAD");
}

#[test]
fn dropping_the_exporter_never_waits_on_a_client() {
    let exporter = exporter();
    let addr = exporter.addr();
    let mut hog = connect(addr);
    for _ in 0..400 {
        if hog
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .is_err()
        {
            break;
        }
    }
    let mut silent = connect(addr);
    silent
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        .unwrap();
    let idle = connect(addr);
    let (done, dropped) = mpsc::channel();
    std::thread::spawn(move || {
        drop(exporter);
        let _ = done.send(());
    });
    dropped
        .recv_timeout(HANG)
        .expect("the exporter stopped while clients were connected");
    drop((hog, silent, idle));
}

/// A headless run serving /metrics on a free port, and the address it printed.
fn start_run(args: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--prometheus", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving /metrics on http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches("/metrics").to_string());
            }
        }
    });
    let addr = rx.recv_timeout(HANG).expect("the run prints its address");
    (child, addr.parse().unwrap())
}

/// Waits for `child` to exit, failing (and killing it) past the deadline.
fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run did not end while a hostile client was connected");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_run_ends_on_time_while_hostile_clients_are_connected() {
    let (mut child, addr) = start_run(&["--duration", "2s"]);
    let mut hog = connect(addr);
    for _ in 0..400 {
        if hog
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .is_err()
        {
            break;
        }
    }
    let mut silent = connect(addr);
    silent
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        .unwrap();
    let status = wait_for_exit(&mut child);
    assert!(status.success(), "{status}");
    drop((hog, silent));
}

/// The threads of process `pid`.
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |tasks| tasks.count())
}

#[test]
fn idle_connections_cost_no_thread() {
    let (mut child, addr) = start_run(&["--duration", "60s"]);
    // Once a snapshot is served, every worker of the run has started.
    let deadline = Instant::now() + HANG;
    while !answered(addr).contains("pipetop_generated_total") {
        assert!(Instant::now() < deadline, "no snapshot served");
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = threads_of(child.id());
    let idle: Vec<TcpStream> = (0..300).map(|_| connect(addr)).collect();
    // Connections are accepted in order: once this one is served, all are in.
    answered(addr);
    let after = threads_of(child.id());
    let _ = child.kill();
    let _ = child.wait();
    drop(idle);
    assert!(before > 0, "the run's threads are readable");
    // Round 1 had one thread per connection: 300 more here.
    assert!(
        after < before + 30,
        "{before} threads before 300 idle connections, {after} with them"
    );
}

#[test]
fn after_running_out_of_file_descriptors_the_server_serves_again() {
    // A shell lowers the descriptor limit and holds 40 of them open (as a
    // program would for its own files), so the connections exhaust the rest
    // before the connection cap is reached; then it becomes the run.
    let pipetop = env!("CARGO_BIN_EXE_pipetop");
    let mut child = Command::new("bash")
        .args([
            "-c",
            &format!(
                "ulimit -n 64 && for fd in $(seq 10 49); do eval \"exec $fd</dev/null\"; done \
                 && exec {pipetop} run steady --headless --duration 60s \
                 --prometheus 127.0.0.1:0"
            ),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let addr: SocketAddr = loop {
        let line = rx.recv_timeout(HANG).expect("the run prints its address");
        if let Some(rest) = line.split("serving /metrics on http://").nth(1) {
            break rest.trim_end_matches("/metrics").parse().unwrap();
        }
    };
    // More connections than the run has descriptors for.
    let flood: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect_timeout(&addr, HANG).ok())
        .collect();
    drop(flood);
    // Once they are gone, scrapes are answered again (polling, bounded).
    let deadline = Instant::now() + HANG;
    loop {
        let mut stream = connect(addr);
        let answered = stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .is_ok()
            && read_reply(&mut stream).starts_with("HTTP/1.1 200");
        if answered {
            break;
        }
        assert!(Instant::now() < deadline, "/metrics never served again");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let notes: Vec<String> = rx.try_iter().collect();
    let accept_failures = notes
        .iter()
        .filter(|line| line.contains("cannot accept connections"))
        .count();
    assert_eq!(accept_failures, 1, "noted once: {notes:#?}");
}
