/* Unit tests of the C recognizer on crafted sequences; each states the kws/recognizer.py rule it checks. */
#include <string.h>

#include "check.h"
#include "chorus_recognizer.h"

enum { SILENCE, UNKNOWN, YES, NO, LABELS };

#define CAPACITY 32

static float ring_scores[CAPACITY * LABELS];
static int32_t ring_times[CAPACITY];
static chorus_recognizer recognizer;
static chorus_detection detection;

static void start(int32_t window_ms, float threshold, int32_t suppression_ms, int32_t minimum_count, int32_t capacity) {
    chorus_recognizer_config config;
    config.label_count = LABELS;
    config.average_window_ms = window_ms;
    config.detection_threshold = threshold;
    config.suppression_ms = suppression_ms;
    config.minimum_count = minimum_count;
    config.silence_index = SILENCE;
    config.unknown_index = UNKNOWN;
    CHECK(chorus_recognizer_init(&recognizer, &config, ring_scores, ring_times, capacity) == CHORUS_RECOGNIZER_OK);
}

static int feed(int label, float score, int32_t time_ms) {
    float scores[LABELS];
    const float rest = (1.0f - score) / (float)(LABELS - 1);
    for (int i = 0; i < LABELS; ++i) {
        scores[i] = i == label ? score : rest;
    }
    memset(&detection, 0, sizeof(detection));
    return chorus_recognizer_process(&recognizer, scores, time_ms, &detection);
}

static void test_needs_minimum_count_results(void) {
    start(1000, 0.7f, 1500, 3, CAPACITY);
    CHECK(feed(YES, 1.0f, 0) == 0);
    CHECK(feed(YES, 1.0f, 500) == 0);
    CHECK(feed(YES, 1.0f, 600) == 1);
    CHECK(detection.label == YES && detection.time_ms == 600 && detection.score == 1.0f);
}

static void test_results_must_span_a_quarter_window(void) {
    start(1000, 0.7f, 1500, 3, CAPACITY);
    CHECK(feed(YES, 1.0f, 0) == 0);
    CHECK(feed(YES, 1.0f, 100) == 0);
    CHECK(feed(YES, 1.0f, 249) == 0); /* span 249 < 1000 // 4 */
    CHECK(feed(YES, 1.0f, 250) == 1); /* span 250: enough */
}

static void test_threshold_is_inclusive(void) {
    start(1000, 0.75f, 1500, 3, CAPACITY);
    CHECK(feed(YES, 0.75f, 0) == 0);
    CHECK(feed(YES, 0.75f, 200) == 0);
    CHECK(feed(YES, 0.75f, 300) == 1);
    CHECK(detection.score == 0.75f);
    start(1000, 0.75f, 1500, 3, CAPACITY);
    CHECK(feed(YES, 0.75f, 0) == 0);
    CHECK(feed(YES, 0.75f, 200) == 0);
    CHECK(feed(YES, 0.7421875f, 300) == 0); /* average just under */
}

static void test_window_keeps_its_boundary(void) {
    start(1000, 0.7f, 0, 3, CAPACITY);
    CHECK(feed(YES, 1.0f, 0) == 0);
    CHECK(feed(NO, 1.0f, 500) == 0);
    CHECK(feed(NO, 1.0f, 1000) == 0); /* yes at 0 is still in: no averages 2/3 - a bit */
    /* at 1001 the result at 0 leaves: no averages 1.0 */
    CHECK(feed(NO, 1.0f, 1001) == 1 && detection.label == NO);
}

static void test_suppression_holds_for_any_label(void) {
    start(300, 0.7f, 1500, 3, CAPACITY);
    int32_t t = 0;
    for (; t <= 200; t += 100) {
        feed(YES, 1.0f, t);
    }
    CHECK(detection.label == YES && detection.time_ms == 200);
    int detections = 0;
    for (t = 300; t < 1700; t += 100) {
        detections += feed(NO, 1.0f, t);
    }
    CHECK(detections == 0);
    CHECK(feed(NO, 1.0f, 1700) == 1 && detection.label == NO); /* 1700 - 200 = 1500: no longer suppressed */
}

static void test_silence_and_unknown_never_report_nor_suppress(void) {
    start(300, 0.7f, 1500, 3, CAPACITY);
    int detections = 0;
    for (int32_t t = 0; t <= 1000; t += 100) {
        detections += feed(t < 500 ? SILENCE : UNKNOWN, 1.0f, t);
    }
    CHECK(detections == 0);
    for (int32_t t = 1100; t <= 1300; t += 100) {
        detections += feed(YES, 1.0f, t);
    }
    /* unknown wins the 2:2 tie at 1200 */
    CHECK(detections == 1 && detection.label == YES && detection.time_ms == 1300);
}

static void test_out_of_order_results_are_refused(void) {
    start(1000, 0.7f, 1500, 3, CAPACITY);
    CHECK(feed(YES, 1.0f, 0) == 0);
    CHECK(feed(YES, 1.0f, 500) == 0);
    CHECK(feed(YES, 1.0f, 499) == CHORUS_RECOGNIZER_ERR_ORDER);
    CHECK(recognizer.count == 2);
    CHECK(feed(YES, 1.0f, 500) == 1); /* an equal timestamp is in order */
}

static void test_ties_go_to_the_first_label(void) {
    start(1000, 0.4f, 0, 3, CAPACITY);
    float scores[LABELS] = {0.1f, 0.1f, 0.4f, 0.4f};
    int found = 0;
    for (int32_t t = 0; t <= 300; t += 100) {
        found += chorus_recognizer_process(&recognizer, scores, t, &detection);
    }
    CHECK(found >= 1 && detection.label == YES);
}

static void test_a_full_ring_drops_its_oldest_result(void) {
    start(1000, 0.7f, 1500, 2, 3);
    CHECK(feed(NO, 1.0f, 0) == 0);
    CHECK(feed(YES, 1.0f, 200) == 0);
    CHECK(feed(YES, 1.0f, 400) == 0); /* yes averages 2/3 */
    /* the no at 0 was dropped */
    CHECK(feed(YES, 1.0f, 600) == 1 && detection.label == YES && detection.score == 1.0f);
    CHECK(recognizer.dropped == 1 && recognizer.count == 3);
}

static void test_bad_configuration_is_refused(void) {
    chorus_recognizer_config config = {0, 1000, 0.7f, 1500, 3, 0, 1};
    CHECK(chorus_recognizer_init(&recognizer, &config, ring_scores, ring_times, CAPACITY) ==
          CHORUS_RECOGNIZER_ERR_CONFIG);
    config.label_count = LABELS;
    CHECK(chorus_recognizer_init(&recognizer, &config, ring_scores, ring_times, 0) == CHORUS_RECOGNIZER_ERR_CONFIG);
}

int main(void) {
    test_needs_minimum_count_results();
    test_results_must_span_a_quarter_window();
    test_threshold_is_inclusive();
    test_window_keeps_its_boundary();
    test_suppression_holds_for_any_label();
    test_silence_and_unknown_never_report_nor_suppress();
    test_out_of_order_results_are_refused();
    test_ties_go_to_the_first_label();
    test_a_full_ring_drops_its_oldest_result();
    test_bad_configuration_is_refused();
    return CHECK_REPORT("test_recognizer");
}
