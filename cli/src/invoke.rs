//! `invoke`: an awscurl for Lambda function URLs, built on this crate's public API only.
//!
//! ```text
//! cargo run --example invoke --all-features -- [OPTIONS] <URL>
//! ```
//!
//! Signs the request with SigV4 (directly, or for another host with `--sign-host`), or sends it
//! unsigned with `x-amz-content-sha256` for CloudFront OAC (`--oac`), or prints a presigned URL
//! (`--presign`). The response body goes to stdout unchanged. Run with `--help` for the options.
//!
//! Exit status: 0 for 2xx/3xx, 22 for an HTTP status of 400 or more (as `curl --fail`), 2 for a
//! usage or configuration error (nothing is sent), 1 for a transport error.

#[path = "common/cli.rs"]
mod cli;

use cli::describe;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Extensions, Method};
use lambda_url_signer::{CredentialsCache, Error, PayloadHash, Signer};
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
use lambda_url_signer::reqwest::Diagnosis;
use reqwest_middleware::{ClientBuilder, Middleware, Next};
use reqwest_retry::policies::ExponentialBackoff;
use reqwest_retry::{Jitter, RetryError, RetryTransientMiddleware};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const USAGE: &str = "\
invoke: call an AWS Lambda function URL (AuthType AWS_IAM) with SigV4, like curl

Usage: invoke [OPTIONS] <URL>

Options:
  -X, --request <METHOD>   HTTP method (default GET, or POST when a body is given)
  -H, --header <'Name: value'>
                           send this header as given (repeatable)
  -d, --data <DATA>        the body, sent byte for byte with nothing added;
                           @FILE reads a file, @- reads standard input
      --region <REGION>    the signing region; required unless the host is
                           <url-id>.lambda-url.<region>.on.aws (CloudFront, custom
                           domains, a local emulator)
      --oac                CloudFront OAC: send unsigned with x-amz-content-sha256
                           (CloudFront signs); needs no credentials and no region
      --sign-host <HOST>   OAC no-override: sign for HOST (the function URL host),
                           send to URL; the region comes from HOST, else --region
      --presign <SECONDS>  print a presigned URL (1 to 604800 seconds) instead of
                           sending; the body's hash is signed, so send that exact
                           body with it; -H headers are not part of the URL
      --profile <NAME>     credentials from this profile (default: the default
                           chain, environment variables first)
      --retries <N>        retry transient failures (5xx, 408, 429, connection
                           errors) up to N times, waiting 1 s, 2 s, 4 s ... (at
                           most 30 s); every attempt is signed afresh
      --cacert <FILE>      for https, trust only the PEM root certificate(s) in
                           FILE (e.g. the emulator's), as curl --cacert; needs
                           the rustls feature
  -i, --include            print the status line and response headers first
  -v, --verbose            print the request, the canonical request, the string
                           to sign and the response headers to stderr (never the
                           secret key, the session token or the signature)
  -h, --help               print this help

Credentials: the default AWS chain (environment variables, profile, SSO, web
identity, container, instance metadata); built without the aws-config feature,
only AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.

The response body goes to stdout unchanged; redirects are not followed.
Exit status: 0 for 2xx/3xx, 22 for HTTP 400 or more (the body is still printed
and a diagnosis goes to stderr), 2 for usage or configuration errors (nothing
is sent), 1 for transport errors.
";

const EXIT_TRANSPORT: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_HTTP_ERROR: u8 = 22;

/// Why `invoke` stopped without an HTTP answer.
#[derive(Debug)]
enum Failure {
    /// Bad arguments; nothing was sent. Exit 2.
    Usage(String),
    /// Bad configuration (URL, region, credentials, body, expiry); nothing was sent. Exit 2.
    Config(String),
    /// The request could not be sent or the response not read. Exit 1.
    Transport(String),
    /// Writing to stdout failed (a closed pipe). Exit 1, quietly.
    Output,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

fn config(message: impl Into<String>) -> Failure {
    Failure::Config(message.into())
}

/// The command line, as parsed.
#[derive(Debug, Default)]
struct Options {
    method: Option<String>,
    headers: Vec<Vec<u8>>,
    data: Option<Vec<u8>>,
    region: Option<String>,
    oac: bool,
    sign_host: Option<String>,
    presign: Option<u64>,
    profile: Option<String>,
    retries: Option<u32>,
    cacert: Option<std::path::PathBuf>,
    include: bool,
    verbose: bool,
    url: Option<String>,
}

#[derive(Debug)]
enum Command {
    Help,
    Run(Box<Options>),
}

#[derive(Clone, Copy, Debug)]
enum Opt {
    Request,
    Header,
    Data,
    Region,
    Oac,
    SignHost,
    Presign,
    Profile,
    Retries,
    CaCert,
    Include,
    Verbose,
    Help,
}

impl Opt {
    fn long(name: &[u8]) -> Option<Opt> {
        Some(match name {
            b"request" => Opt::Request,
            b"header" => Opt::Header,
            b"data" => Opt::Data,
            b"region" => Opt::Region,
            b"oac" => Opt::Oac,
            b"sign-host" => Opt::SignHost,
            b"presign" => Opt::Presign,
            b"profile" => Opt::Profile,
            b"retries" => Opt::Retries,
            b"cacert" => Opt::CaCert,
            b"include" => Opt::Include,
            b"verbose" => Opt::Verbose,
            b"help" => Opt::Help,
            _ => return None,
        })
    }

    fn short(c: u8) -> Option<Opt> {
        Some(match c {
            b'X' => Opt::Request,
            b'H' => Opt::Header,
            b'd' => Opt::Data,
            b'i' => Opt::Include,
            b'v' => Opt::Verbose,
            b'h' => Opt::Help,
            _ => return None,
        })
    }

    fn takes_value(self) -> bool {
        !matches!(self, Opt::Oac | Opt::Include | Opt::Verbose | Opt::Help)
    }

    fn name(self) -> &'static str {
        match self {
            Opt::Request => "--request",
            Opt::Header => "--header",
            Opt::Data => "--data",
            Opt::Region => "--region",
            Opt::Oac => "--oac",
            Opt::SignHost => "--sign-host",
            Opt::Presign => "--presign",
            Opt::Profile => "--profile",
            Opt::Retries => "--retries",
            Opt::CaCert => "--cacert",
            Opt::Include => "--include",
            Opt::Verbose => "--verbose",
            Opt::Help => "--help",
        }
    }
}

/// Arguments as bytes, so that `-d` and `-H` pass through byte for byte.
fn arg_bytes(arg: std::ffi::OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        arg.into_vec()
    }
    #[cfg(not(unix))]
    {
        arg.to_string_lossy().into_owned().into_bytes()
    }
}

fn utf8(opt: Opt, value: Vec<u8>) -> Result<String, Failure> {
    String::from_utf8(value).map_err(|_| usage(format!("the value of {} is not UTF-8", opt.name())))
}

fn parse_args(args: Vec<Vec<u8>>) -> Result<Command, Failure> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    let mut positional_only = false;
    while let Some(arg) = args.next() {
        if positional_only || arg == b"-" || !arg.starts_with(b"-") {
            let url = String::from_utf8(arg).map_err(|_| usage("the URL is not UTF-8"))?;
            if options.url.replace(url).is_some() {
                return Err(usage("more than one URL given"));
            }
            continue;
        }
        if arg == b"--" {
            positional_only = true;
            continue;
        }
        if let Some(long) = arg.strip_prefix(b"--") {
            let (name, inline) = match long.iter().position(|&b| b == b'=') {
                Some(i) => (&long[..i], Some(long[i + 1..].to_vec())),
                None => (long, None),
            };
            let opt = Opt::long(name).ok_or_else(|| {
                usage(format!(
                    "unknown option `--{}`",
                    String::from_utf8_lossy(name)
                ))
            })?;
            let value = if opt.takes_value() {
                match inline {
                    Some(value) => Some(value),
                    None => Some(
                        args.next()
                            .ok_or_else(|| usage(format!("{} needs a value", opt.name())))?,
                    ),
                }
            } else if inline.is_some() {
                return Err(usage(format!("{} takes no value", opt.name())));
            } else {
                None
            };
            if apply(&mut options, opt, value)? {
                return Ok(Command::Help);
            }
            continue;
        }
        // A cluster of short options: `-iv`, `-XPUT`, `-H 'a: b'`.
        let mut rest = &arg[1..];
        while let Some((&c, tail)) = rest.split_first() {
            let opt = Opt::short(c).ok_or_else(|| {
                usage(format!(
                    "unknown option `-{}`",
                    char::from(c).escape_default()
                ))
            })?;
            if opt.takes_value() {
                let value = if tail.is_empty() {
                    args.next()
                        .ok_or_else(|| usage(format!("{} needs a value", opt.name())))?
                } else {
                    tail.to_vec()
                };
                if apply(&mut options, opt, Some(value))? {
                    return Ok(Command::Help);
                }
                break;
            }
            if apply(&mut options, opt, None)? {
                return Ok(Command::Help);
            }
            rest = tail;
        }
    }
    Ok(Command::Run(Box::new(options)))
}

/// Records one option; returns `true` for `--help`.
fn apply(options: &mut Options, opt: Opt, value: Option<Vec<u8>>) -> Result<bool, Failure> {
    let value = value.unwrap_or_default();
    match opt {
        Opt::Help => return Ok(true),
        Opt::Oac => options.oac = true,
        Opt::Include => options.include = true,
        Opt::Verbose => options.verbose = true,
        Opt::Header => options.headers.push(value),
        Opt::Data => {
            if options.data.replace(value).is_some() {
                return Err(usage("-d/--data given more than once"));
            }
        }
        Opt::Request => options.method = Some(utf8(opt, value)?),
        Opt::Region => options.region = Some(utf8(opt, value)?),
        Opt::SignHost => options.sign_host = Some(utf8(opt, value)?),
        Opt::Profile => options.profile = Some(utf8(opt, value)?),
        Opt::CaCert => options.cacert = Some(file_path(&value)),
        Opt::Presign => {
            let text = utf8(opt, value)?;
            let seconds = text.parse().map_err(|_| {
                usage(format!(
                    "--presign takes a whole number of seconds (1 to 604800), not `{text}`"
                ))
            })?;
            options.presign = Some(seconds);
        }
        Opt::Retries => {
            let text = utf8(opt, value)?;
            let retries = text.parse().map_err(|_| {
                usage(format!(
                    "--retries takes a whole number of retries, not `{text}`"
                ))
            })?;
            options.retries = Some(retries);
        }
    }
    Ok(false)
}

fn main() -> ExitCode {
    let args = std::env::args_os().skip(1).map(arg_bytes).collect();
    let result = match parse_args(args) {
        Ok(Command::Help) => {
            let mut stdout = io::stdout().lock();
            let _ = stdout.write_all(USAGE.as_bytes());
            let _ = stdout.flush();
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Transport(format!("cannot start the runtime: {e}")))
            .and_then(|runtime| runtime.block_on(run(*options))),
        Err(failure) => Err(failure),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            complain(&format!("invoke: {message} (see --help)"));
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Config(message)) => {
            complain(&format!("invoke: {message}"));
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Transport(message)) => {
            complain(&format!("invoke: {message}"));
            ExitCode::from(EXIT_TRANSPORT)
        }
        Err(Failure::Output) => ExitCode::from(EXIT_TRANSPORT),
    }
}

/// Writes one line to stderr; a closed stderr is ignored (never a panic).
fn complain(line: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{}", one_line(line));
}

/// Collapses all whitespace runs (newlines included) to single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes a block (several lines) to stderr, for `--verbose`.
fn trace(block: &str) {
    let _ = io::stderr().lock().write_all(block.as_bytes());
}

async fn run(options: Options) -> Result<ExitCode, Failure> {
    let raw_url = options
        .url
        .as_deref()
        .ok_or_else(|| usage("no URL given"))?;
    if options.oac && options.sign_host.is_some() {
        return Err(usage("--oac and --sign-host exclude each other: with --oac CloudFront signs, with --sign-host you do"));
    }
    if options.oac && options.presign.is_some() {
        return Err(usage(
            "--oac and --presign exclude each other: a presigned URL needs credentials",
        ));
    }
    let body = options.data.as_deref().map(read_body).transpose()?;
    let method = match &options.method {
        Some(method) => Method::from_bytes(method.as_bytes())
            .map_err(|_| usage(format!("`{method}` is not an HTTP method")))?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let headers = parse_headers(&options.headers)?;

    if options.oac {
        let url = reqwest::Url::parse(raw_url)
            .map_err(|e| config(format!("invalid url `{raw_url}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(config(format!(
                "invalid url `{raw_url}`: the scheme must be http or https"
            )));
        }
        check_tls(url.scheme())?;
        let mut client = client(&options)?.with(OacMiddleware::new());
        if options.verbose {
            client = client.with(Verbose { signing: None });
        }
        let client = client.build();
        return send(&client, method, url.as_str(), headers, body, &options).await;
    }

    let (url, region) = cli::resolve(
        raw_url,
        options.region.as_deref(),
        options.sign_host.as_deref(),
    )
    .map_err(config)?;
    let cache = credentials_cache(options.profile.as_deref(), &region).await?;
    // Fetch before anything else, so that nothing is sent (or presigned) without credentials.
    let credentials = cache
        .credentials()
        .await
        .map_err(|e| config(format!("no credentials: {}", describe(&e))))?;
    let mut builder = Signer::builder()
        .region(region.as_str())
        .credentials_cache(cache.clone());
    if let Some(host) = &options.sign_host {
        builder = builder.sign_host(host.as_str());
    }
    let signer = builder.build().map_err(|e| config(describe(&e)))?;
    if options.verbose {
        trace(&format!(
            "* signing for region {region}, service lambda, host {}, access key {}{}\n",
            signer.sign_host().unwrap_or(url.host()),
            credentials.access_key_id(),
            if credentials.session_token().is_some() {
                " (with a session token)"
            } else {
                ""
            },
        ));
    }

    if let Some(seconds) = options.presign {
        let hash = PayloadHash::of(body.as_deref().unwrap_or_default());
        let presigned = signer
            .presign(&method, &url, &hash, Duration::from_secs(seconds))
            .await
            .map_err(|e| config(describe(&e)))?;
        if options.verbose {
            trace(&format!(
                "* presigned {method} for {seconds} s with payload hash {hash}\n"
            ));
        }
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(presigned.as_str().as_bytes())
            .and_then(|()| stdout.write_all(b"\n"))
            .and_then(|()| stdout.flush())
            .map_err(|_| Failure::Output)?;
        return Ok(ExitCode::SUCCESS);
    }

    check_tls(url.uri().scheme_str().unwrap_or("https"))?;
    let mut client = client(&options)?.with(SigningMiddleware::new(signer.clone()));
    if options.verbose {
        client = client.with(Verbose {
            signing: Some((signer, cache)),
        });
    }
    let client = client.build();
    send(&client, method, url.as_str(), headers, body, &options).await
}

#[cfg(feature = "aws-config")]
async fn credentials_cache(
    profile: Option<&str>,
    region: &str,
) -> Result<CredentialsCache, Failure> {
    Ok(CredentialsCache::default_chain(profile, Some(region)).await)
}

#[cfg(not(feature = "aws-config"))]
async fn credentials_cache(
    profile: Option<&str>,
    _region: &str,
) -> Result<CredentialsCache, Failure> {
    if profile.is_some() {
        return Err(config(
            "--profile needs the aws-config feature (run the example with --all-features)",
        ));
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(access_key_id), Some(secret)) =
        (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
    else {
        return Err(config(
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or build with the aws-config feature",
        ));
    };
    Ok(CredentialsCache::fixed(
        lambda_url_signer::Credentials::new(
            access_key_id,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "environment",
        ),
    ))
}

fn check_tls(scheme: &str) -> Result<(), Failure> {
    if scheme == "https" && !cfg!(feature = "rustls") {
        return Err(config(
            "https needs TLS: run the example with --features rustls (or --all-features)",
        ));
    }
    Ok(())
}

/// The reqwest client and, with `--retries`, the retry layer, attached first so that every
/// attempt passes through the signer attached after it.
fn client(options: &Options) -> Result<ClientBuilder, Failure> {
    let mut http = lambda_url_signer::reqwest::client_builder();
    if let Some(path) = &options.cacert {
        http = trust_only(http, path)?;
    }
    let http = http.build().map_err(|e| Failure::Transport(describe(&e)))?;
    let mut builder = ClientBuilder::new(http);
    if let Some(retries) = options.retries {
        // 1 s, 2 s, 4 s … (at most 30 s) between attempts, without jitter: every attempt then
        // has its own x-amz-date second, so its own signature.
        let policy = ExponentialBackoff::builder()
            .retry_bounds(Duration::from_secs(1), Duration::from_secs(30))
            .jitter(Jitter::None)
            .build_with_max_retries(retries);
        builder = builder.with(RetryTransientMiddleware::new_with_policy(policy));
    }
    Ok(builder)
}

/// `--cacert FILE`: the PEM certificates in FILE become the only trusted roots.
#[cfg(feature = "rustls")]
fn trust_only(
    builder: reqwest::ClientBuilder,
    path: &std::path::Path,
) -> Result<reqwest::ClientBuilder, Failure> {
    let pem = std::fs::read(path)
        .map_err(|e| config(format!("cannot read `{}`: {e}", path.display())))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .filter(|roots| !roots.is_empty())
        .ok_or_else(|| config(format!("`{}` holds no PEM certificate", path.display())))?;
    Ok(builder.tls_certs_only(roots))
}

#[cfg(not(feature = "rustls"))]
fn trust_only(
    _builder: reqwest::ClientBuilder,
    _path: &std::path::Path,
) -> Result<reqwest::ClientBuilder, Failure> {
    Err(config(
        "--cacert needs TLS: run the example with --features rustls (or --all-features)",
    ))
}

fn read_body(data: &[u8]) -> Result<Vec<u8>, Failure> {
    match data.strip_prefix(b"@") {
        None => Ok(data.to_vec()),
        Some(b"-") => {
            let mut body = Vec::new();
            io::stdin()
                .lock()
                .read_to_end(&mut body)
                .map_err(|e| config(format!("cannot read the body from standard input: {e}")))?;
            Ok(body)
        }
        Some(path) => {
            let path = file_path(path);
            std::fs::read(&path)
                .map_err(|e| config(format!("cannot read `{}`: {e}", path.display())))
        }
    }
}

fn file_path(bytes: &[u8]) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(bytes).into()
    }
    #[cfg(not(unix))]
    {
        String::from_utf8_lossy(bytes).into_owned().into()
    }
}

fn parse_headers(raw: &[Vec<u8>]) -> Result<HeaderMap, Failure> {
    let mut headers = HeaderMap::new();
    for header in raw {
        let shown = String::from_utf8_lossy(header);
        let colon = header.iter().position(|&b| b == b':').ok_or_else(|| {
            usage(format!(
                "header `{shown}` has no colon: write it as 'Name: value'"
            ))
        })?;
        let name = HeaderName::from_bytes(header[..colon].trim_ascii())
            .map_err(|_| usage(format!("header `{shown}` has an invalid name")))?;
        let value = HeaderValue::from_bytes(header[colon + 1..].trim_ascii())
            .map_err(|_| usage(format!("header `{name}` has an invalid value")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// Sends the request and writes the answer; the exit status follows the HTTP status.
async fn send(
    client: &reqwest_middleware::ClientWithMiddleware,
    method: Method,
    url: &str,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    options: &Options,
) -> Result<ExitCode, Failure> {
    let mut request = client.request(method, url).headers(headers);
    if let Some(body) = body {
        request = request.body(body);
    }
    let mut response = request.send().await.map_err(|e| match crate_error(&e) {
        Some(error) => config(describe(error)),
        None => Failure::Transport(describe(&e)),
    })?;
    let status = response.status();
    let mut stdout = io::stdout().lock();
    if options.include {
        let mut head = format!("{:?} {status}\r\n", response.version()).into_bytes();
        for (name, value) in response.headers() {
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        stdout.write_all(&head).map_err(|_| Failure::Output)?;
    }
    if status.as_u16() >= 400 {
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_owned());
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::Transport(describe(&e)))?;
        stdout
            .write_all(&body)
            .and_then(|()| stdout.flush())
            .map_err(|_| Failure::Output)?;
        match Diagnosis::from_parts(status.as_u16(), error_type.as_deref(), &body) {
            Some(diagnosis) => complain(&format!("invoke: {diagnosis}")),
            None => complain(&format!("invoke: http status {status}")),
        }
        return Ok(ExitCode::from(EXIT_HTTP_ERROR));
    }
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Failure::Transport(describe(&e)))?
    {
        stdout.write_all(&chunk).map_err(|_| Failure::Output)?;
    }
    stdout.flush().map_err(|_| Failure::Output)?;
    Ok(ExitCode::SUCCESS)
}

/// This crate's error inside a middleware error, also when the retry layer wrapped it.
fn crate_error(error: &reqwest_middleware::Error) -> Option<&Error> {
    match error {
        reqwest_middleware::Error::Middleware(inner) => {
            if let Some(error) = inner.downcast_ref::<Error>() {
                return Some(error);
            }
            match inner.downcast_ref::<RetryError>()? {
                RetryError::WithRetries { err, .. } | RetryError::Error(err) => crate_error(err),
            }
        }
        reqwest_middleware::Error::Reqwest(_) => None,
    }
}

/// `--verbose`: attached after the signer, so it sees every attempt exactly as sent, and
/// explains each signature for the same request and the same time.
struct Verbose {
    /// The signer and its credentials; `None` in OAC mode, where CloudFront signs.
    signing: Option<(Signer, CredentialsCache)>,
}

#[async_trait::async_trait]
impl Middleware for Verbose {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let mut out = format!("> {} {}\n", req.method(), req.url());
        for (name, value) in req.headers() {
            let _ = writeln!(out, "> {name}: {}", shown_value(name, value));
        }
        if let Some((signer, cache)) = &self.signing {
            match explain(signer, cache, &req).await {
                Ok(details) => {
                    let _ = write!(
                        out,
                        "* canonical request:\n{}\n* string to sign:\n{}\n* signed headers: {}\n",
                        details.canonical_request_redacted(),
                        details.string_to_sign(),
                        details.signed_headers()
                    );
                }
                Err(reason) => {
                    let _ = writeln!(out, "* cannot explain the signature: {reason}");
                }
            }
        }
        trace(&out);
        let response = next.run(req, extensions).await?;
        trace(&response_head(&response));
        Ok(response)
    }
}

fn response_head(response: &reqwest::Response) -> String {
    let mut out = format!("< {:?} {}\n", response.version(), response.status());
    for (name, value) in response.headers() {
        let _ = writeln!(
            out,
            "< {name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        );
    }
    out
}

/// A header value for display: the session token hidden, the signature cut off.
fn shown_value(name: &HeaderName, value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match name.as_str() {
        "x-amz-security-token" => "<redacted>".to_owned(),
        "authorization" => match text.find("Signature=") {
            Some(i) => format!("{}Signature=<redacted>", &text[..i]),
            None => "<redacted>".to_owned(),
        },
        _ => text.into_owned(),
    }
}

async fn explain(
    signer: &Signer,
    cache: &CredentialsCache,
    req: &reqwest::Request,
) -> Result<lambda_url_signer::SigningDetails, String> {
    let date = req
        .headers()
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or("the request has no x-amz-date")?;
    let time = parse_amz_date(date).ok_or("the request's x-amz-date is malformed")?;
    let hash = match req
        .headers()
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .and_then(PayloadHash::from_hex)
    {
        Some(hash) => hash,
        None => PayloadHash::of(req.body().and_then(|b| b.as_bytes()).unwrap_or_default()),
    };
    let credentials = cache.credentials().await.map_err(|e| describe(&e))?;
    signer
        .explain_at(req, &hash, &credentials, time)
        .map_err(|e| describe(&e))
}

/// Parses an `x-amz-date` (`YYYYMMDDTHHMMSSZ`).
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten()
    };
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // Days since 1970-01-01 in the proleptic Gregorian calendar.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}
