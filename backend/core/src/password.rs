//! Password hashing with Argon2id (PHC strings).

use crate::message::Msg;
use crate::msg;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

pub const MIN_LENGTH: usize = 10;

/// Checks a new password's strength; returns what is expected when it is too weak.
pub fn check_strength(password: &str) -> Result<(), Msg> {
    if password.chars().count() < MIN_LENGTH {
        return Err(msg!(
            "user.password_length",
            "a password of at least {MIN_LENGTH} characters",
            "{MIN_LENGTH} 文字以上のパスワード"
        ));
    }
    Ok(())
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
