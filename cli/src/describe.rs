//! Errors for the command line: one line, with their causes.

/// The error with its causes, on one line.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    one_line(&text)
}

/// Collapses all whitespace runs (newlines included) to single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("cannot connect\n  to the upstream")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn causes_follow_on_one_line_without_repeats() {
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            describe(&error),
            "cannot connect to the upstream: connection refused"
        );
        let repeated = Outer(std::io::Error::other("to the upstream"));
        assert_eq!(describe(&repeated), "cannot connect to the upstream");
    }
}
