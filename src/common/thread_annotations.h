// Clang thread-safety annotations (-Wthread-safety): which mutex guards a member, which a function
// needs held or must not hold. Under clang they become the capability attributes its analysis
// checks at compile time (the CMake option LAKESHARE_THREAD_SAFETY turns the warnings on and makes
// them errors); under GCC they expand to nothing. Use them with common::Mutex (common/mutex.h):
// std::mutex carries no attributes, so the analysis cannot see it being locked.
//
//   class Cache {
//     void Put(...) LS_EXCLUDES(mu_);          // takes mu_ itself
//     void EvictLocked() LS_REQUIRES(mu_);     // caller holds mu_
//     mutable Mutex mu_;
//     std::map<...> entries_ LS_GUARDED_BY(mu_);
//   };
#pragma once

#if defined(__clang__)
#define LS_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define LS_THREAD_ANNOTATION_(x)
#endif

/// A type that is a lock ("mutex"), or an RAII holder of one.
#define LS_CAPABILITY(name) LS_THREAD_ANNOTATION_(capability(name))
#define LS_SCOPED_CAPABILITY LS_THREAD_ANNOTATION_(scoped_lockable)

/// A member read or written only with the mutex held (shared for reads of a shared mutex).
#define LS_GUARDED_BY(mu) LS_THREAD_ANNOTATION_(guarded_by(mu))
/// The data a pointer member points to is guarded (the pointer itself is not).
#define LS_PT_GUARDED_BY(mu) LS_THREAD_ANNOTATION_(pt_guarded_by(mu))

/// Lock order: this mutex is taken before / after the named ones.
#define LS_ACQUIRED_BEFORE(...) LS_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define LS_ACQUIRED_AFTER(...) LS_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))

/// The caller must hold the mutexes (exclusively / at least shared).
#define LS_REQUIRES(...) LS_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define LS_REQUIRES_SHARED(...) LS_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))

/// The function takes / releases the mutexes (on a lock type: itself when no argument is given).
#define LS_ACQUIRE(...) LS_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define LS_ACQUIRE_SHARED(...) LS_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define LS_RELEASE(...) LS_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define LS_RELEASE_SHARED(...) LS_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
#define LS_RELEASE_GENERIC(...) LS_THREAD_ANNOTATION_(release_generic_capability(__VA_ARGS__))
#define LS_TRY_ACQUIRE(...) LS_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))

/// The caller must NOT hold the mutexes (the function takes them: no self-deadlock).
#define LS_EXCLUDES(...) LS_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

/// Tells the analysis the mutex is held here (checked at run time by the function, if at all).
#define LS_ASSERT_CAPABILITY(mu) LS_THREAD_ANNOTATION_(assert_capability(mu))
/// The function returns a reference to this mutex.
#define LS_RETURN_CAPABILITY(mu) LS_THREAD_ANNOTATION_(lock_returned(mu))

/// Turns the analysis off for one function; say in a comment why it cannot follow the locking.
#define LS_NO_THREAD_SAFETY_ANALYSIS LS_THREAD_ANNOTATION_(no_thread_safety_analysis)
