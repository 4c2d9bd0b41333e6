//! Password hashing with Argon2id (PHC strings).

use crate::message::Msg;
use crate::msg;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// At least the length the medical information guideline asks of systems that hold health data
/// where there is no second factor (13 characters).
pub const MIN_LENGTH: usize = 13;

/// Checks a new password for the account `email`; returns what is expected when it is too weak:
/// shorter than [`MIN_LENGTH`], one character repeated (or only spaces), or holding the e-mail
/// address or its part before the `@`.
pub fn check_strength(password: &str, email: &str) -> Result<(), Msg> {
    if password.chars().count() < MIN_LENGTH {
        return Err(msg!(
            "user.password_length",
            "a password of at least {MIN_LENGTH} characters",
            "{MIN_LENGTH} 文字以上のパスワード"
        ));
    }
    let mut chars = password.trim().chars();
    let first = chars.next();
    if first.is_none_or(|c| chars.all(|d| d == c)) {
        return Err(msg!(
            "user.password_repeated",
            "a password of more than one repeated character",
            "同じ文字の繰り返しではないパスワード"
        ));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if !email.is_empty() && (lower.contains(&email) || (local.len() >= 3 && lower.contains(local)))
    {
        return Err(msg!(
            "user.password_email",
            "a password that does not contain the e-mail address or its name part",
            "メールアドレスやその @ より前の部分を含まないパスワード"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod strength_tests {
    use super::check_strength;

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let code = |p: &str| {
            check_strength(p, "staff@kobe-city.example")
                .err()
                .map(|m| m.code)
        };
        assert_eq!(code("short-12char"), Some("user.password_length"));
        assert_eq!(code("aaaaaaaaaaaaaaaa"), Some("user.password_repeated"));
        assert_eq!(code("                "), Some("user.password_repeated"));
        assert_eq!(code("my-STAFF-password"), Some("user.password_email"));
        assert_eq!(
            code("x staff@kobe-city.example"),
            Some("user.password_email")
        );
        assert_eq!(code("a-much-longer-secret"), None);
        assert_eq!(code("seika-demo-2026"), None);
    }
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Verifies like [`verify`] in memory the caller keeps and reuses. Argon2 needs about 19 MiB
/// per check; allocated afresh on every login, the allocator keeps those blocks in its per-thread
/// arenas and a burst of logins leaves the server holding hundreds of megabytes (measured:
/// docs/BENCHMARKS.md). A malformed hash never matches.
pub fn verify_in(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_buffer = [0_u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    memory.resize(params.block_count(), Block::default());
    let mut out = vec![0_u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        memory.as_mut_slice(),
    );
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// Reusable Argon2 working memory, one buffer per concurrent check (the caller bounds the
/// concurrency, e.g. with a semaphore of as many permits as buffers it expects to use).
#[derive(Debug, Default)]
pub struct VerifierMemory {
    buffers: std::sync::Mutex<Vec<Vec<Block>>>,
}

impl VerifierMemory {
    /// Verifies in a buffer taken from the pool and returned to it afterwards.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        let mut buffer = self
            .buffers
            .lock()
            .map(|mut b| b.pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        let ok = verify_in(password, stored, &mut buffer);
        if let Ok(mut buffers) = self.buffers.lock() {
            buffers.push(buffer);
        }
        ok
    }
}

/// True when `password` matches the stored PHC hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifying_in_reused_memory_agrees_with_the_plain_check() {
        let stored = hash("correct horse battery").unwrap();
        let memory = VerifierMemory::default();
        for _ in 0..2 {
            assert!(memory.verify("correct horse battery", &stored));
            assert!(!memory.verify("correct horse battery!", &stored));
        }
        assert!(!memory.verify("x", "not a phc string"));
        assert_eq!(
            memory.buffers.lock().unwrap().len(),
            1,
            "one buffer, reused"
        );
    }

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &a));
        assert!(!verify("wrong horse battery", &a));
        assert!(!verify("anything", "not-a-hash"));
    }
}
