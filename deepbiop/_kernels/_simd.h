/* Byte -> alphabet-code translation, the first step of the integer-code
 * kernel.
 *
 * A table lookup per byte costs about 2 cycles in scalar code, which made the
 * integer kernel compute-bound at ~1 Gbase/s per thread, well short of the
 * speed at which its output can be written. On x86-64 with AVX2 the lookup
 * runs 32 bytes at a time with VPSHUFB: bytes 0..127 are split by their high
 * nibble h, and for every h that holds a symbol of the alphabet one 16-entry
 * shuffle of the low nibbles, masked to the bytes whose high nibble is h, is
 * OR-ed into the result (DNA, RNA and protein letters, both cases, need 4 of
 * the 8 possible lookups). Bytes >= 128 never match, so they are outside the
 * alphabet.
 *
 * The AVX2 path is chosen at run time (dbp_simd_init, called once when the
 * kernel module is imported) when the CPU has it and DEEPBIOP_DISABLE_SIMD is
 * not set; everything else (other CPUs, other compilers, the switch) uses the
 * portable scalar loop, which gives identical results.
 */
#ifndef DEEPBIOP_SIMD_H
#define DEEPBIOP_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define DEEPBIOP_X86_SIMD 1
#include <immintrin.h>
#else
#define DEEPBIOP_X86_SIMD 0
#endif

typedef struct {
    uint8_t code[256];   /* code of each byte; `unknown` outside the alphabet */
    uint8_t bad[256];    /* 1 for bytes outside the alphabet */
    uint8_t plus1[128];  /* code + 1 for ASCII bytes in the alphabet, else 0 */
    uint8_t hmask;       /* bit h set when bytes 16h..16h+15 hold a symbol */
    uint8_t unknown;
    uint8_t ascii_only;  /* 1 when no byte >= 128 has a code (the AVX2 path's
                            assumption; alphabets are ASCII, tables from tests
                            may not be) */
} dbp_lut;

/* 1 when dbp_lookup uses AVX2 (set by dbp_simd_init). */
static int dbp_simd_avx2 = 0;

static void dbp_simd_init(void)
{
    const char* off = getenv("DEEPBIOP_DISABLE_SIMD");
    dbp_simd_avx2 = 0;
    if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0)
        return;
#if DEEPBIOP_X86_SIMD
    __builtin_cpu_init();
    dbp_simd_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
}

/* Build the table from the alphabet's 256 codes (-1 outside; every code must
 * be < 255). Bytes outside the alphabet translate to `unknown`. */
static void dbp_lut_init(dbp_lut* t, const int16_t* codes, uint8_t unknown)
{
    int b;
    t->hmask = 0;
    t->unknown = unknown;
    t->ascii_only = 1;
    for (b = 0; b < 256; b++) {
        int c = codes[b];
        t->bad[b] = (uint8_t)(c < 0);
        t->code[b] = (uint8_t)(c < 0 ? unknown : c);
        if (b < 128) {
            t->plus1[b] = (uint8_t)(c < 0 ? 0 : c + 1);
            if (c >= 0)
                t->hmask |= (uint8_t)(1u << (b >> 4));
        } else if (c >= 0) {
            t->ascii_only = 0;
        }
    }
}

static int dbp_lookup_scalar(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                             uint8_t* out)
{
    ptrdiff_t p;
    uint8_t any_bad = 0, b;
    for (p = 0; p < n; p++) {
        b = s[p];
        out[p] = t->code[b];
        any_bad |= t->bad[b];
    }
    return any_bad;
}

#if DEEPBIOP_X86_SIMD
typedef struct {
    __m256i lut[8], hsel[8];
    int nh;
} dbp_avx2_tables;

__attribute__((target("avx2")))
static inline void dbp_avx2_prepare(const dbp_lut* t, dbp_avx2_tables* v)
{
    int h;
    v->nh = 0;
    for (h = 0; h < 8; h++) {
        if (t->hmask >> h & 1) {
            __m128i row = _mm_loadu_si128((const __m128i*)(t->plus1 + 16 * h));
            v->lut[v->nh] = _mm256_broadcastsi128_si256(row);
            v->hsel[v->nh] = _mm256_set1_epi8((char)h);
            v->nh++;
        }
    }
}

/* Codes of the 32 bytes at s (`unk` outside the alphabet); ORs a mask of the
 * bytes outside the alphabet into *bad. */
__attribute__((target("avx2")))
static inline __m256i dbp_avx2_block(const dbp_avx2_tables* v, const uint8_t* s,
                                     __m256i unk, __m256i* bad)
{
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i top = _mm256_set1_epi8((char)0x80);
    __m256i x, lo, hi, r, miss;
    int k;
    x = _mm256_loadu_si256((const __m256i*)s);
    lo = _mm256_and_si256(x, low4);
    /* high nibble, with bit 7 kept so that bytes >= 128 match no h < 8 */
    hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(x, 4), low4),
                         _mm256_and_si256(x, top));
    r = _mm256_setzero_si256();
    for (k = 0; k < v->nh; k++) {
        /* index with bit 7 set (shuffle yields 0) unless the high nibble is h */
        __m256i other = _mm256_andnot_si256(_mm256_cmpeq_epi8(hi, v->hsel[k]), top);
        r = _mm256_or_si256(r, _mm256_shuffle_epi8(v->lut[k], _mm256_or_si256(lo, other)));
    }
    miss = _mm256_cmpeq_epi8(r, _mm256_setzero_si256());
    *bad = _mm256_or_si256(*bad, miss);
    return _mm256_blendv_epi8(_mm256_sub_epi8(r, _mm256_set1_epi8(1)), unk, miss);
}

/* Precondition for this and the wide variants: dbp_use_avx2(t, n, 1). */
__attribute__((target("avx2")))
static int dbp_lookup_avx2(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                           uint8_t* out)
{
    dbp_avx2_tables v;
    ptrdiff_t p, last;
    const __m256i unk = _mm256_set1_epi8((char)t->unknown);
    __m256i bad = _mm256_setzero_si256();
    dbp_avx2_prepare(t, &v);
    /* the last block overlaps the one before it: rewriting a byte's code is
       harmless and saves a scalar tail */
    last = n - 32;
    for (p = 0;; p += 32) {
        if (p > last)
            p = last;
        _mm256_storeu_si256((__m256i*)(out + p), dbp_avx2_block(&v, s + p, unk, &bad));
        if (p == last)
            break;
    }
    return !_mm256_testz_si256(bad, bad);
}

/* The same with wider outputs: each block's 32 codes are widened (and for
 * float32 converted) in registers, with no round trip through a byte buffer.
 * kind: 0 float32, 1 int32, 2 int64. */
__attribute__((target("avx2"), always_inline))
static inline void dbp_avx2_store8(__m128i c8, void* out, ptrdiff_t p, int kind)
{
    /* the low 8 codes of c8 into out[p .. p+8) */
    __m256i w = _mm256_cvtepu8_epi32(c8);
    if (kind == 0) {
        _mm256_storeu_ps((float*)out + p, _mm256_cvtepi32_ps(w));
    } else if (kind == 1) {
        _mm256_storeu_si256((__m256i*)((int32_t*)out + p), w);
    } else {
        _mm256_storeu_si256((__m256i*)((int64_t*)out + p), _mm256_cvtepu8_epi64(c8));
        _mm256_storeu_si256((__m256i*)((int64_t*)out + p + 4),
                            _mm256_cvtepu8_epi64(_mm_srli_si128(c8, 4)));
    }
}

__attribute__((target("avx2"), always_inline))
static inline int dbp_wide_avx2_impl(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                                     void* out, int kind)
{
    dbp_avx2_tables v;
    ptrdiff_t p, last;
    const __m256i unk = _mm256_set1_epi8((char)t->unknown);
    __m256i bad = _mm256_setzero_si256();
    dbp_avx2_prepare(t, &v);
    last = n - 32;
    for (p = 0;; p += 32) {
        __m256i r;
        __m128i lo16, hi16;
        if (p > last)
            p = last;
        r = dbp_avx2_block(&v, s + p, unk, &bad);
        lo16 = _mm256_castsi256_si128(r);
        hi16 = _mm256_extracti128_si256(r, 1);
        dbp_avx2_store8(lo16, out, p, kind);
        dbp_avx2_store8(_mm_srli_si128(lo16, 8), out, p + 8, kind);
        dbp_avx2_store8(hi16, out, p + 16, kind);
        dbp_avx2_store8(_mm_srli_si128(hi16, 8), out, p + 24, kind);
        if (p == last)
            break;
    }
    return !_mm256_testz_si256(bad, bad);
}

/* one copy of the loop per output type, so `kind` is a constant inside it */
__attribute__((target("avx2")))
static int dbp_wide_avx2_f32(const dbp_lut* t, const uint8_t* s, ptrdiff_t n, void* out)
{ return dbp_wide_avx2_impl(t, s, n, out, 0); }

__attribute__((target("avx2")))
static int dbp_wide_avx2_i32(const dbp_lut* t, const uint8_t* s, ptrdiff_t n, void* out)
{ return dbp_wide_avx2_impl(t, s, n, out, 1); }

__attribute__((target("avx2")))
static int dbp_wide_avx2_i64(const dbp_lut* t, const uint8_t* s, ptrdiff_t n, void* out)
{ return dbp_wide_avx2_impl(t, s, n, out, 2); }

static int dbp_lookup_wide_avx2(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                                void* out, int kind)
{
    if (kind == 0)
        return dbp_wide_avx2_f32(t, s, n, out);
    if (kind == 1)
        return dbp_wide_avx2_i32(t, s, n, out);
    return dbp_wide_avx2_i64(t, s, n, out);
}
#endif

static int dbp_lookup_wide_scalar(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                                  void* out, int kind)
{
    ptrdiff_t p;
    uint8_t any_bad = 0, b;
    for (p = 0; p < n; p++) {
        b = s[p];
        if (kind == 0)
            ((float*)out)[p] = (float)t->code[b];
        else if (kind == 1)
            ((int32_t*)out)[p] = (int32_t)t->code[b];
        else
            ((int64_t*)out)[p] = (int64_t)t->code[b];
        any_bad |= t->bad[b];
    }
    return any_bad;
}

/* 1 when the AVX2 path may take these n bytes: the CPU has it, `simd` asks
 * for it, a 32-byte block fits (the last block overlaps the one before it)
 * and no byte >= 128 has a code. */
static inline int dbp_use_avx2(const dbp_lut* t, ptrdiff_t n, int simd)
{
    return simd && dbp_simd_avx2 && n >= 32 && t->ascii_only;
}

/* out[p] = code of s[p] as float32 (kind 0), int32 (1) or int64 (2) for
 * p < n; returns nonzero when any byte was outside the alphabet. `out` must
 * not overlap `s`. simd = 0 forces the scalar loop (tests compare the two). */
static inline int dbp_lookup_wide_path(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                                       void* out, int kind, int simd)
{
#if DEEPBIOP_X86_SIMD
    if (dbp_use_avx2(t, n, simd))
        return dbp_lookup_wide_avx2(t, s, n, out, kind);
#endif
    return dbp_lookup_wide_scalar(t, s, n, out, kind);
}

static inline int dbp_lookup_wide(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                                  void* out, int kind)
{
    return dbp_lookup_wide_path(t, s, n, out, kind, 1);
}

/* out[p] = code of s[p] (`unknown` outside the alphabet) for p < n; returns
 * nonzero when any byte was outside the alphabet. `out` must not overlap `s`.
 * simd = 0 forces the scalar loop. */
static inline int dbp_lookup_path(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                                  uint8_t* out, int simd)
{
#if DEEPBIOP_X86_SIMD
    if (dbp_use_avx2(t, n, simd))
        return dbp_lookup_avx2(t, s, n, out);
#endif
    return dbp_lookup_scalar(t, s, n, out);
}

static inline int dbp_lookup(const dbp_lut* t, const uint8_t* s, ptrdiff_t n,
                             uint8_t* out)
{
    return dbp_lookup_path(t, s, n, out, 1);
}

#endif
