#include "alloc_counter.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace alphapulse::bench {
std::atomic<std::uint64_t> g_allocations{0};
}

namespace {
void* countedAlloc(std::size_t size, std::size_t alignment) {
    alphapulse::bench::g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (size == 0) size = 1;
    void* p = nullptr;
    if (alignment <= alignof(std::max_align_t)) {
        p = std::malloc(size);
    } else if (posix_memalign(&p, alignment, size) != 0) {
        p = nullptr;
    }
    return p;
}
void* countedAllocOrThrow(std::size_t size, std::size_t alignment) {
    void* p = countedAlloc(size, alignment);
    if (p == nullptr) throw std::bad_alloc{};
    return p;
}
} // namespace

// NOLINTBEGIN: the replaceable global allocation functions.
void* operator new(std::size_t size) { return countedAllocOrThrow(size, 0); }
void* operator new[](std::size_t size) { return countedAllocOrThrow(size, 0); }
void* operator new(std::size_t size, std::align_val_t al) { return countedAllocOrThrow(size, static_cast<std::size_t>(al)); }
void* operator new[](std::size_t size, std::align_val_t al) { return countedAllocOrThrow(size, static_cast<std::size_t>(al)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return countedAlloc(size, 0); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return countedAlloc(size, 0); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
// NOLINTEND
