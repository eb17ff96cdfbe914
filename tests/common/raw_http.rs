//! Raw HTTP/1.1 on a socket, for tests that must control every byte: shared by the signer's
//! integration tests and the `lambda-url` tool's (`#[path]` modules in both `support.rs`).

/// A response read off a raw socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Lowercase names, values as text.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The exact bytes of an HTTP/1.1 request: the request line with `target`, every header as
/// given (raw value bytes, in order), `content-length`, then the body.
pub fn http1_bytes(
    method: &str,
    target: &str,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 512);
    out.extend_from_slice(format!("{method} {target} HTTP/1.1\r\n").as_bytes());
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// Reads one HTTP/1.1 response (head, then a `content-length` body unless `head_request`).
pub async fn read_http1_response(
    stream: &mut tokio::net::TcpStream,
    head_request: bool,
) -> std::io::Result<RawResponse> {
    use tokio::io::AsyncReadExt;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut buffer = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before a response head",
            ));
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).map_err(|_| bad("head not utf-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("no status line"))?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buffer[head_end + 4..].to_vec();
    let length = if head_request || status == 204 || status == 304 {
        0
    } else {
        headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .ok_or_else(|| bad("no content-length"))?
    };
    while body.len() < length {
        let mut chunk = vec![0u8; (length - body.len()).min(64 * 1024)];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("connection closed inside the body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// Reads one HTTP/1.1 request (head, then a `content-length` body) from `stream` into
/// `buffer`, which may already hold bytes; returns the head as text and how many bytes of
/// `buffer` the request took, or `None` when the connection ends first.
pub async fn read_http1_request(
    stream: &mut tokio::net::TcpStream,
    buffer: &mut Vec<u8>,
) -> Option<(String, usize)> {
    use tokio::io::AsyncReadExt;
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(p) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    Some((head, head_end + length))
}

/// A loopback HTTP/1.1 server that answers with scripted responses (the last one repeats) and
/// records the head of every request it receives, as text.
pub struct ScriptedServer {
    pub addr: std::net::SocketAddr,
    received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts a server; `respond` gets the request's index and the server's own address and
    /// returns the raw response head and body (without `content-length`, which is added).
    pub async fn start(
        respond: impl Fn(usize, std::net::SocketAddr) -> (String, Vec<u8>) + Send + Sync + 'static,
    ) -> ScriptedServer {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        let respond = std::sync::Arc::new(respond);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = log.clone();
                let respond = respond.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let Some((head, _)) = read_http1_request(&mut stream, &mut buffer).await else {
                        return;
                    };
                    let index = {
                        let mut log = log.lock().expect("lock");
                        log.push(head);
                        log.len() - 1
                    };
                    let (head, body) = respond(index, addr);
                    let mut out = format!(
                        "{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        head.trim_end(),
                        body.len()
                    )
                    .into_bytes();
                    out.extend_from_slice(&body);
                    let _ = stream.write_all(&out).await;
                });
            }
        });
        ScriptedServer {
            addr,
            received,
            task,
        }
    }

    /// The heads of the requests received so far (lowercase or mixed-case names as sent).
    pub fn received(&self) -> Vec<String> {
        self.received.lock().expect("lock").clone()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
