//! Running out of memory, said in one sentence.
//!
//! Rust's default answer to a failed allocation is to print `memory allocation of N bytes
//! failed` and abort (a core dump, and to the user something that looks like a crash). The
//! binary's allocator ([`Allocator`], the system allocator underneath) says instead what
//! happened and what it means for the registry, and exits with status 1 at once, from inside
//! the allocation: nothing more can be allocated to unwind or to format a message. Stopping
//! there is safe for the registry for the reason a `kill -9` is (see `store::journal` and
//! `store::staging`): a change cut short before its commit point leaves nothing, one cut
//! short after it is completed by the next opening.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, which ends the process with [`out_of_memory`]'s sentence when the
/// system has no memory to give (a `ulimit -v`, a container's limit, or a full machine).
pub struct Allocator;

// SAFETY: every call is passed on unchanged to `System`; only a null result is acted on,
// and then the process ends without returning.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through it).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller's contract for `realloc` is `System`'s.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

/// The sentence printed when `bytes` could not be allocated (built without allocating).
pub fn sentence(bytes: usize, out: &mut [u8; 640]) -> usize {
    let mut n = 0;
    let mut put = |s: &[u8], n: &mut usize| {
        let k = s.len().min(out.len() - *n);
        out[*n..*n + k].copy_from_slice(&s[..k]);
        *n += k;
    };
    put(b"smplan: out of memory: ", &mut n);
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = bytes;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    put(&digits[i..], &mut n);
    put(
        b" more bytes could not be allocated (a memory limit such as `ulimit -v` or a \
          container's may be set, or the machine is full), so the command stopped here. The \
          registry is as it was before the change or as after it: a change cut short before \
          it was recorded left nothing, and one cut short after it is completed the next time \
          the registry is opened (`smplan check` shows the state).\n",
        &mut n,
    );
    n
}

fn out_of_memory(bytes: usize) -> ! {
    let mut buf = [0u8; 640];
    let n = sentence(bytes, &mut buf);
    // SAFETY: writing our own buffer to standard error, then ending the process without
    // running anything else (which could allocate).
    unsafe {
        libc::write(2, buf.as_ptr().cast(), n);
        libc::_exit(1)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sentence_names_the_size_and_what_it_means_for_the_registry() {
        let mut buf = [0u8; 640];
        let n = super::sentence(1_234_567, &mut buf);
        let s = std::str::from_utf8(&buf[..n]).expect("text");
        assert!(
            s.starts_with("smplan: out of memory: 1234567 more bytes"),
            "{s}"
        );
        assert!(s.ends_with("shows the state).\n"), "whole: {s}");
        let n = super::sentence(0, &mut buf);
        assert!(
            std::str::from_utf8(&buf[..n])
                .expect("text")
                .contains(": 0 more")
        );
    }
}
