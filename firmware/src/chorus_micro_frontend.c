/* TFLite Micro audio frontend, bit-exact: see chorus_micro_frontend.h. Written for Chorus from the published
 * algorithm (the microfrontend of tflite-micro with kissfft v130's 16-bit fixed-point FFT); no code of theirs.
 *
 * Integer semantics the results depend on, as in the reference build: right shifts of negative int32 are
 * arithmetic, and conversions to a narrower signed type wrap (GCC and Clang on every target we build). */
#include "chorus_micro_frontend.h"

#include <string.h>

#include "chorus_features.h"

#define WINDOW_BITS 12           /* window coefficients in Q12 */
#define WEIGHT_ONE 4096          /* filterbank weights in Q12: a bin's weight and unweight add up to this */
#define SMOOTHING_BITS 10        /* noise estimate kept scaled up by 2^10 */
#define NOISE_ONE 16384          /* noise reduction coefficients in Q14 */
#define EVEN_SMOOTHING 409       /* 0.025 in Q14, truncated */
#define ODD_SMOOTHING 983        /* 0.06 */
#define MIN_SIGNAL_REMAINING 819 /* 0.05 */
#define SNR_SHIFT 6              /* gain bits 21 - correction bits 3 - SNR bits 12 */
#define LOG_CORRECTION_BITS 3    /* log2(512) - 1 - 12 / 2: channels are shifted up by this before the log */
#define LOG_SCALE_SHIFT 6
#define LOG_E_OF_2_Q16 45426 /* ln(2) * 2^16 */
#define HALF_SPECTRUM (CHORUS_MF_FFT_SIZE / 2)

/* Tables: the values the reference computes at start-up, with float32 libm calls (double for the FFT), for this
 * configuration. host/test_micro_frontend.c recomputes each one from the formula given here.
 *   window[i]      = floorf((0.5f - 0.5f * cosf(2 pi / 480 * (i + 0.5f))) * 4096 + 0.5f); not quite symmetric.
 *   band edges     : mel(f) = 1127 log1pf(f / 700); band centres c[b] = mel(125) + (b + 1) * s with the spacing
 *                    s = (mel(7500) - mel(125)) / 41; band b holds the bins from the previous band's end while
 *                    mel(bin * 31.25 Hz) <= c[b].
 *   weights[bin]   = floorf((c[b] - mel(bin * 31.25)) / (c[b] - c[b - 1]) * 4096 + 0.5f), c[-1] = mel(125); the
 *                    bin adds weight * energy to band b and (4096 - weight) * energy to band b + 1.
 *   cos_quarter[k] = floor(0.5 + 32767 cos(2 pi k / 512)) in double: every FFT twiddle, by symmetry.
 *   PCAN gain g(x) = (int16)(2^21 * powf(x / 128 + 80, -0.95) + 0.5f), capped at 32767, for noise estimate x;
 *                    for x with n significant bits (n = 2..32): row n - 2 = {g(x0), 4 (g(x1) - g(x0)) - (g(x2) -
 *                    g(x0)), (g(x2) - g(x0)) - that}, x0 = 2^(n-1), x1 = 1.5 x0, x2 = 2 x0 (2 x0 - 1 for n = 32).
 *   log_table[k]   = round((log2(1 + k / 128) - k / 128) * 65536): the correction to log2(1 + f) ~ f. */

const int16_t chorus_mf_window[CHORUS_MF_WINDOW_SAMPLES] = {
    0,    0,    1,    2,    4,    5,    7,    10,   13,   16,   19,   23,   27,   32,   37,   42,   48,   54,   60,
    66,   73,   81,   88,   96,   104,  113,  122,  131,  141,  151,  161,  172,  183,  194,  205,  217,  229,  242,
    255,  268,  281,  295,  309,  323,  338,  353,  368,  383,  399,  415,  431,  448,  465,  482,  499,  517,  535,
    553,  572,  590,  609,  629,  648,  668,  688,  708,  728,  749,  770,  791,  812,  833,  855,  877,  899,  921,
    944,  967,  989,  1012, 1036, 1059, 1083, 1106, 1130, 1154, 1178, 1203, 1227, 1252, 1277, 1302, 1327, 1352, 1377,
    1402, 1428, 1453, 1479, 1505, 1531, 1557, 1583, 1609, 1635, 1662, 1688, 1714, 1741, 1767, 1794, 1821, 1847, 1874,
    1901, 1927, 1954, 1981, 2008, 2035, 2061, 2088, 2115, 2142, 2169, 2195, 2222, 2249, 2275, 2302, 2329, 2355, 2382,
    2408, 2434, 2461, 2487, 2513, 2539, 2565, 2591, 2617, 2643, 2668, 2694, 2719, 2744, 2769, 2794, 2819, 2844, 2869,
    2893, 2918, 2942, 2966, 2990, 3013, 3037, 3060, 3084, 3107, 3129, 3152, 3175, 3197, 3219, 3241, 3263, 3284, 3305,
    3326, 3347, 3368, 3388, 3408, 3428, 3448, 3467, 3487, 3506, 3524, 3543, 3561, 3579, 3597, 3614, 3631, 3648, 3665,
    3681, 3697, 3713, 3728, 3743, 3758, 3773, 3787, 3801, 3815, 3828, 3841, 3854, 3867, 3879, 3891, 3902, 3913, 3924,
    3935, 3945, 3955, 3965, 3974, 3983, 3992, 4000, 4008, 4015, 4023, 4030, 4036, 4043, 4048, 4054, 4059, 4064, 4069,
    4073, 4077, 4080, 4083, 4086, 4089, 4091, 4092, 4094, 4095, 4096, 4096, 4096, 4096, 4095, 4094, 4092, 4091, 4089,
    4086, 4083, 4080, 4077, 4073, 4069, 4064, 4059, 4054, 4048, 4043, 4036, 4030, 4023, 4015, 4008, 4000, 3992, 3983,
    3974, 3965, 3955, 3945, 3935, 3924, 3913, 3902, 3891, 3879, 3867, 3854, 3841, 3828, 3815, 3801, 3787, 3773, 3758,
    3743, 3728, 3713, 3697, 3681, 3665, 3648, 3631, 3614, 3597, 3579, 3561, 3543, 3524, 3506, 3487, 3467, 3448, 3428,
    3408, 3388, 3368, 3347, 3326, 3305, 3284, 3263, 3241, 3219, 3197, 3175, 3152, 3129, 3107, 3084, 3060, 3037, 3013,
    2990, 2966, 2942, 2918, 2893, 2869, 2844, 2819, 2794, 2769, 2744, 2719, 2694, 2668, 2643, 2617, 2591, 2565, 2539,
    2513, 2487, 2461, 2434, 2408, 2382, 2355, 2329, 2302, 2275, 2249, 2222, 2195, 2169, 2142, 2115, 2088, 2061, 2035,
    2008, 1981, 1954, 1927, 1901, 1874, 1847, 1821, 1794, 1767, 1741, 1714, 1688, 1662, 1635, 1609, 1583, 1557, 1531,
    1505, 1479, 1453, 1428, 1402, 1377, 1352, 1327, 1302, 1277, 1252, 1227, 1203, 1178, 1154, 1130, 1106, 1083, 1059,
    1036, 1012, 989,  967,  944,  921,  899,  877,  855,  833,  812,  791,  770,  749,  728,  708,  688,  668,  648,
    629,  609,  590,  572,  553,  535,  517,  499,  482,  465,  448,  431,  415,  399,  383,  368,  353,  338,  323,
    309,  295,  281,  268,  255,  242,  229,  217,  205,  194,  183,  172,  161,  151,  141,  131,  122,  113,  104,
    96,   88,   81,   73,   66,   60,   53,   48,   42,   37,   32,   27,   23,   19,   16,   13,   10,   7,    5,
    4,    2,    1,    0,    0,
};

const uint8_t chorus_mf_band_edges[CHORUS_MF_BANDS + 1] = {
    5,  6,  8,  9,  11, 13, 15, 17,  19,  22,  24,  27,  30,  33,  36,  39,  43,  47,  50,  55,  59,
    64, 69, 74, 79, 85, 91, 98, 105, 112, 120, 128, 137, 146, 155, 166, 176, 188, 200, 213, 226, 241,
};

const int16_t chorus_mf_weights[CHORUS_MF_END_BIN - CHORUS_MF_FIRST_BIN] = {
    1377, 2852, 321,  1971, 3701, 1408, 3281, 1124, 3124, 1087, 3201, 1272, 3488, 1655, 3963, 2218, 513,  2943, 1314,
    3817, 2258, 731,  3332, 1866, 430,  3117, 1734, 377,  3141, 1833, 548,  3381, 2139, 918,  3814, 2632, 1470, 325,
    3294, 2185, 1092, 15,   3049, 2003, 972,  4051, 3048, 2058, 1082, 118,  3263, 2324, 1398, 482,  3674, 2782, 1899,
    1028, 167,  3411, 2570, 1738, 915,  102,  3393, 2598, 1810, 1032, 261,  3594, 2840, 2093, 1353, 621,  3993, 3275,
    2564, 1861, 1163, 473,  3885, 3207, 2536, 1870, 1211, 557,  4006, 3364, 2727, 2096, 1471, 850,  235,  3721, 3117,
    2517, 1922, 1331, 746,  165,  3685, 3113, 2546, 1983, 1424, 870,  320,  3869, 3327, 2789, 2255, 1725, 1198, 676,
    157,  3737, 3226, 2717, 2213, 1711, 1214, 719,  228,  3836, 3352, 2870, 2392, 1917, 1445, 976,  510,  46,   3682,
    3225, 2770, 2319, 1870, 1424, 980,  539,  101,  3762, 3329, 2898, 2471, 2045, 1622, 1202, 784,  368,  4050, 3639,
    3231, 2824, 2420, 2018, 1618, 1220, 825,  432,  40,   3747, 3360, 2975, 2592, 2211, 1832, 1455, 1079, 706,  335,
    4061, 3693, 3328, 2964, 2601, 2241, 1882, 1526, 1170, 817,  465,  115,  3863, 3516, 3171, 2827, 2486, 2145, 1807,
    1469, 1134, 800,  467,  136,  3903, 3575, 3248, 2923, 2599, 2277, 1956, 1636, 1318, 1002, 686,  372,  60,   3844,
    3534, 3226, 2918, 2612, 2307, 2004, 1702, 1401, 1101, 802,  505,  209,  4010, 3716, 3423, 3132, 2841, 2552, 2264,
    1977, 1692, 1407, 1123, 841,  560,  279,  0,
};

const int16_t chorus_mf_cos_quarter[CHORUS_MF_FFT_SIZE / 4 + 1] = {
    32767, 32765, 32757, 32745, 32728, 32705, 32678, 32646, 32609, 32567, 32521, 32469, 32412, 32351, 32285,
    32213, 32137, 32057, 31971, 31880, 31785, 31685, 31580, 31470, 31356, 31237, 31113, 30985, 30852, 30714,
    30571, 30424, 30273, 30117, 29956, 29791, 29621, 29447, 29268, 29085, 28898, 28706, 28510, 28310, 28105,
    27896, 27683, 27466, 27245, 27019, 26790, 26556, 26319, 26077, 25832, 25582, 25329, 25072, 24811, 24547,
    24279, 24007, 23731, 23452, 23170, 22884, 22594, 22301, 22005, 21705, 21403, 21096, 20787, 20475, 20159,
    19841, 19519, 19195, 18868, 18537, 18204, 17869, 17530, 17189, 16846, 16499, 16151, 15800, 15446, 15090,
    14732, 14372, 14010, 13645, 13279, 12910, 12539, 12167, 11793, 11417, 11039, 10659, 10278, 9896,  9512,
    9126,  8739,  8351,  7962,  7571,  7179,  6786,  6393,  5998,  5602,  5205,  4808,  4410,  4011,  3612,
    3212,  2811,  2410,  2009,  1608,  1206,  804,   402,   0,
};

const int16_t chorus_mf_pcan_small[2] = {32636, 32633};

const int16_t chorus_mf_pcan_table[CHORUS_MF_PCAN_LEVELS][3] = {
    {32630, -6, 0},
    {32624, -12, 0},
    {32612, -23, -2},
    {32587, -48, 0},
    {32539, -96, 0},
    {32443, -190, 0},
    {32253, -378, 4},
    {31879, -739, 18},
    {31158, -1409, 62},
    {29811, -2567, 202},
    {27446, -4301, 562},
    {23707, -6265, 1230},
    {18672, -7458, 1952},
    {13166, -7030, 2212},
    {8348, -5342, 1868},
    {4874, -3459, 1282},
    {2697, -2025, 774},
    {1446, -1120, 436},
    {762, -596, 232},
    {398, -313, 122},
    {207, -164, 64},
    {107, -85, 34},
    {56, -45, 18},
    {29, -22, 8},
    {15, -13, 6},
    {8, -8, 4},
    {4, -2, 0},
    {2, -3, 2},
    {1, 0, 0},
    {1, -3, 2},
    {0, 0, 0},
};

const uint16_t chorus_mf_log_table[129] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944, 3087, 3224,
    3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063,
    5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640,
    5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203,
    5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935,
    3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971,
    1851, 1729, 1605, 1480, 1353, 1224, 1094, 963,  830,  695,  559,  421,  282,  142,  0,
};

/* Number of significant bits: 0 for 0, 32 for 2^31 and up. */
static int bit_length(uint32_t x) {
#if defined(__GNUC__)
    return x == 0 ? 0 : 32 - __builtin_clz(x);
#else
    int n = 0;
    for (; x != 0; x >>= 1) {
        ++n;
    }
    return n;
#endif
}

/* ---- FFT: 256-point complex radix-4 FFT of the packed real input, then the real split ---- */

/* Q15 product rounded half up, kept to 16 bits. */
static int16_t q15_round(int32_t x) {
    return (int16_t)((x + (1 << 14)) >> 15);
}

/* x / 4 and x / 2 the fixed-point way: times 32767 / 4 (or / 2) in Q15. */
static int16_t scale_quarter(int16_t x) {
    return q15_round((int32_t)x * (32767 / 4));
}

static int16_t scale_half(int16_t x) {
    return q15_round((int32_t)x * (32767 / 2));
}

/* round(32767 cos(2 pi a / 512)) for 0 <= a < 512. */
static int16_t cos_512(int a) {
    if (a <= 128) {
        return chorus_mf_cos_quarter[a];
    }
    if (a <= 256) {
        return (int16_t)-chorus_mf_cos_quarter[256 - a];
    }
    if (a <= 384) {
        return (int16_t)-chorus_mf_cos_quarter[a - 256];
    }
    return chorus_mf_cos_quarter[512 - a];
}

static int16_t sin_512(int a) {
    return cos_512((a + 384) & 511);
}

/* (ar + i ai) * (br + i bi), each part rounded to 16 bits. */
static void complex_mul(int16_t ar, int16_t ai, int16_t br, int16_t bi, int16_t *re, int16_t *im) {
    *re = q15_round((int32_t)ar * br - (int32_t)ai * bi);
    *im = q15_round((int32_t)ar * bi + (int32_t)ai * br);
}

/* One radix-4 butterfly over z[q], z[q + m], z[q + 2m], z[q + 3m] (complex indices), twiddle angle t of 256:
 * inputs divided by 4, the last three turned by exp(-2 pi i j t / 256), j = 1, 2, 3. */
static void butterfly4(int16_t *z, int q, int m, int t) {
    int16_t *p0 = z + 2 * q;
    int16_t *p1 = p0 + 2 * m;
    int16_t *p2 = p0 + 4 * m;
    int16_t *p3 = p0 + 6 * m;
    int16_t a0r = scale_quarter(p0[0]);
    int16_t a0i = scale_quarter(p0[1]);
    int16_t s0r, s0i, s1r, s1i, s2r, s2i;
    complex_mul(scale_quarter(p1[0]), scale_quarter(p1[1]), cos_512(2 * t), (int16_t)-sin_512(2 * t), &s0r, &s0i);
    complex_mul(scale_quarter(p2[0]), scale_quarter(p2[1]), cos_512(4 * t), (int16_t)-sin_512(4 * t), &s1r, &s1i);
    complex_mul(scale_quarter(p3[0]), scale_quarter(p3[1]), cos_512(6 * t), (int16_t)-sin_512(6 * t), &s2r, &s2i);
    const int16_t s5r = (int16_t)(a0r - s1r);
    const int16_t s5i = (int16_t)(a0i - s1i);
    a0r = (int16_t)(a0r + s1r);
    a0i = (int16_t)(a0i + s1i);
    const int16_t s3r = (int16_t)(s0r + s2r);
    const int16_t s3i = (int16_t)(s0i + s2i);
    const int16_t s4r = (int16_t)(s0r - s2r);
    const int16_t s4i = (int16_t)(s0i - s2i);
    p2[0] = (int16_t)(a0r - s3r);
    p2[1] = (int16_t)(a0i - s3i);
    p0[0] = (int16_t)(a0r + s3r);
    p0[1] = (int16_t)(a0i + s3i);
    p1[0] = (int16_t)(s5r + s4i);
    p1[1] = (int16_t)(s5i - s4r);
    p3[0] = (int16_t)(s5r - s4i);
    p3[1] = (int16_t)(s5i + s4r);
}

/* In place: buf[0 .. 511] real in; complex bins 1 .. 255 out as buf[2k], buf[2k + 1] (bin 0 is not computed).
 * Scaled by 1/512 overall, as kissfft's fixed-point forward transform is. */
static void real_fft_512(int16_t *z) {
    /* base-4 digit reversal of the 256 complex points (an involution: swap each pair once) */
    for (int i = 0; i < HALF_SPECTRUM; ++i) {
        const int j = ((i & 3) << 6) | ((i & 12) << 2) | ((i >> 2) & 12) | (i >> 6);
        if (i < j) {
            const int16_t re = z[2 * i];
            const int16_t im = z[2 * i + 1];
            z[2 * i] = z[2 * j];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = re;
            z[2 * j + 1] = im;
        }
    }
    /* four radix-4 stages: spans of 4, 16, 64 and 256 points */
    for (int m = 1; m < HALF_SPECTRUM; m *= 4) {
        const int stride = HALF_SPECTRUM / (4 * m);
        for (int k = 0; k < m; ++k) {
            for (int group = 0; group < HALF_SPECTRUM; group += 4 * m) {
                butterfly4(z, group + k, m, k * stride);
            }
        }
    }
    /* split the spectrum of the even / odd packing into the real spectrum, bins k and 256 - k together;
     * the turn for bin k is exp(-i pi (k / 256 + 1/2)) = (-sin, -cos)(2 pi k / 512) */
    for (int k = 1; k <= HALF_SPECTRUM / 2; ++k) {
        int16_t *a = z + 2 * k;
        int16_t *b = z + 2 * (HALF_SPECTRUM - k);
        const int16_t pr = scale_half(a[0]);
        const int16_t pi = scale_half(a[1]);
        const int16_t nr = scale_half(b[0]);
        const int16_t ni = scale_half((int16_t)-b[1]);
        const int16_t sum_r = (int16_t)(pr + nr);
        const int16_t sum_i = (int16_t)(pi + ni);
        int16_t tw_r, tw_i;
        complex_mul((int16_t)(pr - nr), (int16_t)(pi - ni), (int16_t)-sin_512(k), (int16_t)-cos_512(k), &tw_r, &tw_i);
        a[0] = (int16_t)((sum_r + tw_r) >> 1);
        a[1] = (int16_t)((sum_i + tw_i) >> 1);
        b[0] = (int16_t)((sum_r - tw_r) >> 1); /* for k = 128, a == b: this second write is the one kept */
        b[1] = (int16_t)((tw_i - sum_i) >> 1);
    }
}

/* ---- the per-channel steps ---- */

/* floor(sqrt(n)), rounded up when n - r^2 > r unless r is at cap (0xFFFF when n < 2^32, else 0xFFFFFFFF). */
static uint32_t sqrt_rounded(uint64_t n) {
    if (n == 0) {
        return 0;
    }
    const int high = (int)(n >> 32);
    const int bits = high ? 32 + bit_length((uint32_t)(n >> 32)) : bit_length((uint32_t)n);
    uint64_t bit = (uint64_t)1 << ((bits - 1) & ~1); /* the largest power of 4 <= n */
    uint64_t root = 0;
    while (bit != 0) {
        if (n >= root + bit) {
            n -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    const uint64_t cap = high ? 0xFFFFFFFFu : 0xFFFFu;
    if (n > root && root != cap) {
        ++root;
    }
    return (uint32_t)root;
}

/* PCAN gain for a noise estimate: the table's quadratic through each octave, 10 bits of position in it. */
static int16_t pcan_gain(uint32_t noise) {
    if (noise < 2) {
        return chorus_mf_pcan_small[noise];
    }
    const int bits = bit_length(noise);
    const int16_t *row = chorus_mf_pcan_table[bits - 2];
    const int32_t frac = (int32_t)((bits < 11 ? noise << (11 - bits) : noise >> (bits - 11)) & 0x3FF);
    int32_t r = ((int32_t)row[2] * frac) >> 5;
    r += (int32_t)row[1] * 32;
    r *= frac;
    r = (r + (1 << 14)) >> 15;
    return (int16_t)(r + row[0]);
}

/* PCAN's output compression of an SNR in Q12: quadratic below 2, linear above, 6 fractional bits out. */
static uint32_t pcan_shrink(uint32_t snr) {
    if (snr < (2u << 12)) {
        return (snr * snr) >> 20;
    }
    return (snr >> 6) - (1u << 6);
}

/* round(ln(x) * 2^6) in fixed point for x >= 2: log2 from the top bit and a corrected linear fraction. */
static uint32_t log_scaled(uint32_t x) {
    const int integer = bit_length(x) - 1;
    int32_t frac = (int32_t)(x - ((uint32_t)1 << integer)); /* the bits below the top one, as Q16 next */
    if (integer < 16) {
        frac <<= 16 - integer;
    } else {
        frac >>= integer - 16;
    }
    const uint32_t segment = (uint32_t)frac >> 9; /* 128 segments of 512 */
    const int32_t c0 = chorus_mf_log_table[segment];
    const int32_t c1 = chorus_mf_log_table[segment + 1];
    const int32_t within = frac - (int32_t)(segment << 9);
    const int32_t fraction = frac + c0 + (((c1 - c0) * within) >> 16);
    const uint32_t log2_q16 = ((uint32_t)integer << 16) + (uint32_t)fraction;
    const uint32_t ln_q16 = (uint32_t)(((uint64_t)LOG_E_OF_2_Q16 * log2_q16 + (1u << 15)) >> 16);
    return ((ln_q16 << LOG_SCALE_SHIFT) + (1u << 15)) >> 16;
}

/* ---- the frontend ---- */

void chorus_micro_frontend_init(chorus_micro_frontend_state *state) {
    memset(state, 0, sizeof(*state));
}

/* One channel's filterbank magnitude through noise reduction, PCAN and the log. */
static uint16_t channel_value(chorus_micro_frontend_state *s, int c, uint32_t x) {
    /* noise reduction: track the noise floor, subtract it, keep at least 5% of the signal */
    const uint32_t smoothing = (c & 1) ? ODD_SMOOTHING : EVEN_SMOOTHING;
    const uint32_t scaled_up = x << SMOOTHING_BITS;
    const uint32_t noise =
        (uint32_t)(((uint64_t)scaled_up * smoothing + (uint64_t)s->noise_estimate[c] * (NOISE_ONE - smoothing)) >> 14);
    s->noise_estimate[c] = noise;
    const uint32_t below = noise < scaled_up ? noise : scaled_up;
    const uint32_t floor_value = (uint32_t)(((uint64_t)x * MIN_SIGNAL_REMAINING) >> 14);
    const uint32_t subtracted = (scaled_up - below) >> SMOOTHING_BITS;
    x = subtracted > floor_value ? subtracted : floor_value;

    /* PCAN: scale by a negative power of the (updated, unclamped) noise estimate, then compress */
    const uint32_t gain = (uint32_t)(int32_t)pcan_gain(noise);
    x = pcan_shrink((uint32_t)(((uint64_t)x * gain) >> SNR_SHIFT));

    /* log */
    x <<= LOG_CORRECTION_BITS;
    x = x > 1 ? log_scaled(x) : 0;
    return (uint16_t)(x < 0xFFFF ? x : 0xFFFF);
}

/* The 40 channel values of the full window: filterbank magnitudes, noise-reduced, gain-controlled, logged. */
static void compute_frame(chorus_micro_frontend_state *s, uint16_t *out) {
    int16_t *z = s->fft;
    int16_t max_abs = 0;
    for (int i = 0; i < CHORUS_MF_WINDOW_SAMPLES; ++i) {
        const int16_t v = (int16_t)(((int32_t)s->input[i] * chorus_mf_window[i]) >> WINDOW_BITS);
        const int16_t magnitude = v < 0 ? (int16_t)-v : v; /* -32768 stays negative and never wins */
        if (magnitude > max_abs) {
            max_abs = magnitude;
        }
        z[i] = v;
    }
    /* shift the block up to use all 16 bits; everything after the sqrt is shifted back down */
    const int shift = 15 - bit_length((uint32_t)max_abs);
    for (int i = 0; i < CHORUS_MF_WINDOW_SAMPLES; ++i) {
        z[i] = (int16_t)((uint16_t)z[i] << shift);
    }
    memset(z + CHORUS_MF_WINDOW_SAMPLES, 0, sizeof(int16_t) * (CHORUS_MF_FFT_SIZE - CHORUS_MF_WINDOW_SAMPLES));
    real_fft_512(z);

    /* each bin's energy into its band (weight) and the band above (4096 - weight); band b + 1 is channel b,
     * finished once band b + 1's own bins are in */
    uint64_t carried = 0; /* the upper slope of the band below */
    for (int b = 0; b < CHORUS_MF_BANDS; ++b) {
        uint64_t sum = carried;
        carried = 0;
        for (int bin = chorus_mf_band_edges[b]; bin < chorus_mf_band_edges[b + 1]; ++bin) {
            const int32_t re = z[2 * bin];
            const int32_t im = z[2 * bin + 1];
            /* 32-bit energy, read back as signed and widened as the reference does (only (-32768, -32768) wraps) */
            const int32_t energy = (int32_t)((uint32_t)(re * re) + (uint32_t)(im * im));
            const uint64_t e = (uint64_t)(int64_t)energy;
            const uint64_t w = (uint64_t)chorus_mf_weights[bin - CHORUS_MF_FIRST_BIN];
            sum += w * e;
            carried += (WEIGHT_ONE - w) * e;
        }
        if (b > 0) {
            out[b - 1] = channel_value(s, b - 1, sqrt_rounded(sum) >> shift);
        }
    }
}

int chorus_micro_frontend_process(chorus_micro_frontend_state *state, const int16_t *samples, size_t count,
                                  size_t *samples_read, uint16_t out[CHORUS_MF_CHANNELS]) {
    size_t take = CHORUS_MF_WINDOW_SAMPLES - state->input_used;
    if (take > count) {
        take = count;
    }
    if (take > 0) {
        memcpy(state->input + state->input_used, samples, take * sizeof(*samples));
    }
    state->input_used += (uint32_t)take;
    if (samples_read != NULL) {
        *samples_read = take;
    }
    if (state->input_used < CHORUS_MF_WINDOW_SAMPLES) {
        return 0;
    }
    compute_frame(state, out);
    memmove(state->input, state->input + CHORUS_MF_STEP_SAMPLES,
            sizeof(*state->input) * (CHORUS_MF_WINDOW_SAMPLES - CHORUS_MF_STEP_SAMPLES));
    state->input_used -= CHORUS_MF_STEP_SAMPLES;
    state->frames += 1;
    return 1;
}

void chorus_micro_frontend_to_float(const uint16_t frame[CHORUS_MF_CHANNELS], float out[CHORUS_MF_CHANNELS]) {
    for (int i = 0; i < CHORUS_MF_CHANNELS; ++i) {
        out[i] = (float)frame[i] * CHORUS_MF_FEATURE_SCALE;
    }
}

void chorus_micro_frontend_quantize(const uint16_t frame[CHORUS_MF_CHANNELS], float input_scale, int32_t zero_point,
                                    int8_t out[CHORUS_MF_CHANNELS]) {
    for (int i = 0; i < CHORUS_MF_CHANNELS; ++i) {
        const float feature = (float)frame[i] * CHORUS_MF_FEATURE_SCALE;
        float scaled = feature / input_scale + (float)zero_point;
        if (scaled > 1000.0f) { /* anything this far out clamps; keeps the integer conversion in range */
            scaled = 1000.0f;
        } else if (scaled < -1000.0f || scaled != scaled) {
            scaled = -1000.0f;
        }
        int32_t q = chorus_round_half_even(scaled);
        if (q > 127) {
            q = 127;
        } else if (q < -128) {
            q = -128;
        }
        out[i] = (int8_t)q;
    }
}
