// The host-side rules of concept tracking in video (pipeline/concept-heuristics.h) on hand-made
// masks, against the official code's rules (sam3/model/sam3_video_base.py, sam3/perflib).
#include <gtest/gtest.h>

#include "pipeline/concept-heuristics.h"

using namespace sam3rt::pipeline;

namespace {

constexpr int kSide = 8;

// A kSide×kSide mask with the rectangle [x0, x1) × [y0, y1) set.
std::vector<uint8_t> rect(int x0, int y0, int x1, int y1) {
  std::vector<uint8_t> m(kSide * kSide, 0);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) m[y * kSide + x] = 1;
  return m;
}

}  // namespace

TEST(ConceptHeuristics, MaskIouOfBinaryMasks) {
  const auto a = rect(0, 0, 4, 4), b = rect(2, 0, 6, 4), empty = rect(0, 0, 0, 0);
  const std::vector<float> iou = mask_iou({a, empty}, {b, empty});
  EXPECT_FLOAT_EQ(iou[0], 8.f / 24.f);
  EXPECT_FLOAT_EQ(iou[1], 0.f);
  EXPECT_FLOAT_EQ(iou[3], 0.f);  // empty vs empty: union clamped to 1
}

TEST(ConceptHeuristics, NmsKeepsTheBestOfOverlapsAndDropsBelowThreshold) {
  // 0 and 1 overlap (IoU 1/3 > 0.1), 2 is apart, 3 is under the probability threshold
  const std::vector<std::vector<uint8_t>> masks = {rect(0, 0, 4, 4), rect(2, 0, 6, 4), rect(0, 6, 2, 8),
                                                   rect(0, 0, 4, 4)};
  const std::vector<bool> keep = nms_masks({0.6f, 0.9f, 0.7f, 0.4f}, masks, 0.5f, 0.1f);
  EXPECT_EQ(keep, (std::vector<bool>{false, true, true, false}));
}

TEST(ConceptHeuristics, NmsTiesGoToTheHigherIndexAsTheCpuPath) {
  // equal probabilities: the reference's reversed ascending argsort visits the higher index first
  const std::vector<std::vector<uint8_t>> masks = {rect(0, 0, 4, 4), rect(0, 0, 4, 4)};
  EXPECT_EQ(nms_masks({0.8f, 0.8f}, masks, 0.5f, 0.1f), (std::vector<bool>{false, true}));
  // IoU exactly at the threshold is kept (suppression needs IoU > threshold)
  const std::vector<std::vector<uint8_t>> half = {rect(0, 0, 4, 4), rect(0, 0, 2, 4)};
  EXPECT_EQ(nms_masks({0.9f, 0.8f}, half, 0.5f, 0.5f), (std::vector<bool>{true, true}));
}

TEST(ConceptHeuristics, FillHolesFillsSmallHolesThenRemovesSprinkles) {
  // a 4×4 square with a 1-pixel hole, plus an isolated pixel in the far corner
  std::vector<float> m(kSide * kSide, -5.f);
  for (int y = 1; y < 5; ++y)
    for (int x = 1; x < 5; ++x) m[y * kSide + x] = 3.f;
  m[2 * kSide + 2] = -2.f;  // hole
  m[7 * kSide + 7] = 1.f;   // sprinkle
  fill_holes_in_mask_scores(m.data(), kSide, kSide, 2);
  EXPECT_FLOAT_EQ(m[2 * kSide + 2], 0.1f);   // hole of area 1 ≤ 2 → 0.1
  EXPECT_FLOAT_EQ(m[7 * kSide + 7], -0.1f);  // fg component of area 1 ≤ min(⌊17/2⌋, 2) → −0.1
  EXPECT_FLOAT_EQ(m[1 * kSide + 1], 3.f);
  EXPECT_FLOAT_EQ(m[0], -5.f);  // the large background stays
  // max_area 0: nothing changes
  std::vector<float> copy = {1.f, -1.f, 1.f, -1.f};
  fill_holes_in_mask_scores(copy.data(), 2, 2, 0);
  EXPECT_EQ(copy, (std::vector<float>{1.f, -1.f, 1.f, -1.f}));
}

TEST(ConceptHeuristics, FillHolesKeepsTinyObjects) {
  // a lone 2-pixel object: the sprinkle threshold is ⌊2/2⌋ = 1 < 2, so it stays
  std::vector<float> m(kSide * kSide, -1.f);
  m[10] = m[11] = 2.f;
  fill_holes_in_mask_scores(m.data(), kSide, kSide, 16);
  EXPECT_FLOAT_EQ(m[10], 2.f);
  EXPECT_FLOAT_EQ(m[11], 2.f);
}

TEST(ConceptHeuristics, AssociationWithoutTracksMakesEveryDetectionNew) {
  ConceptVideoOptions o;
  const Association a = associate_detections({rect(0, 0, 2, 2), rect(4, 4, 6, 6)}, {0.55f, 0.9f}, {}, {}, o);
  EXPECT_EQ(a.new_dets, (std::vector<int>{0, 1}));  // new_det_thresh is not applied
}

TEST(ConceptHeuristics, AssociationWithoutDetections) {
  ConceptVideoOptions o;
  const Association a = associate_detections({}, {}, {rect(0, 0, 2, 2), rect(0, 0, 0, 0)}, {5, 7}, o);
  EXPECT_EQ(a.unmatched_trks, std::vector<int>{5});
  EXPECT_EQ(a.empty_trks, std::vector<int>{7});
  EXPECT_TRUE(a.new_dets.empty());
}

TEST(ConceptHeuristics, AssociationMatchesAndAdmits) {
  ConceptVideoOptions o;
  // tracks: 10 = left block, 11 = right block, 12 = empty
  const std::vector<std::vector<uint8_t>> trk = {rect(0, 0, 4, 8), rect(4, 0, 8, 8), rect(0, 0, 0, 0)};
  // det 0 = exactly the left block (IoU 1, high confidence) → match + reconditioning candidate
  // det 1 = overlaps the right block a little (IoU 4/32 = 0.125 ≥ 0.1 but < 0.5) → matched to 11 but
  //         track 11 is not "matched" (needs 0.5)
  // det 2 = a new detection with score 0.75 ≥ 0.7 and no overlap... there is no free space, so it
  //         covers the right block fully and is *not* new; det 3 has score 0.6 < 0.7: never new
  const std::vector<std::vector<uint8_t>> det = {rect(0, 0, 4, 8), rect(4, 0, 5, 4), rect(4, 0, 8, 8),
                                                 rect(4, 0, 8, 8)};
  const Association a = associate_detections(det, {0.95f, 0.9f, 0.75f, 0.6f}, trk, {10, 11, 12}, o);
  EXPECT_TRUE(a.new_dets.empty());
  EXPECT_TRUE(a.unmatched_trks.empty());
  EXPECT_EQ(a.empty_trks, std::vector<int>{12});
  EXPECT_EQ(a.det_to_matched_trks.at(0), std::vector<int>{10});
  EXPECT_EQ(a.det_to_matched_trks.at(1), std::vector<int>{11});
  ASSERT_EQ(a.trk_to_high_conf_det.size(), 1u);  // det 2 has score < 0.8
  EXPECT_EQ(a.trk_to_high_conf_det[0], std::make_pair(10, 0));

  // a fresh high-score detection away from every track is new; a low-score one is not
  const std::vector<std::vector<uint8_t>> trk2 = {rect(0, 0, 2, 2)};
  const Association b =
      associate_detections({rect(5, 5, 8, 8), rect(5, 0, 8, 3)}, {0.71f, 0.69f}, trk2, {3}, o);
  EXPECT_EQ(b.new_dets, std::vector<int>{0});
  EXPECT_EQ(b.unmatched_trks, std::vector<int>{3});
}

TEST(ConceptHeuristics, HighConfidenceMapKeepsFirstInsertionOrder) {
  ConceptVideoOptions o;
  const std::vector<std::vector<uint8_t>> trk = {rect(0, 0, 4, 8), rect(4, 0, 8, 8)};
  const std::vector<std::vector<uint8_t>> det = {rect(4, 0, 8, 8), rect(0, 0, 4, 8), rect(4, 0, 8, 8)};
  const Association a = associate_detections(det, {0.9f, 0.9f, 0.9f}, trk, {1, 2}, o);
  ASSERT_EQ(a.trk_to_high_conf_det.size(), 2u);
  EXPECT_EQ(a.trk_to_high_conf_det[0], std::make_pair(2, 2));  // first entered by det 0, overwritten by det 2
  EXPECT_EQ(a.trk_to_high_conf_det[1], std::make_pair(1, 1));
}

TEST(ConceptHeuristics, HotstartRemovesYoungUnmatchedObjects) {
  ConceptVideoOptions o;
  o.hotstart_delay = 4;
  o.hotstart_unmatch_thresh = 2;
  o.hotstart_dup_thresh = 2;
  HotstartState h;
  Association none;
  EXPECT_TRUE(h.process(0, false, none, {0, 1}, o).empty());
  Association unmatched;
  unmatched.unmatched_trks = {0};
  EXPECT_TRUE(h.process(1, false, unmatched, {}, o).empty());
  // second unmatched frame: object 0 (born at 0 > 2 − 4) is removed
  EXPECT_EQ(h.process(2, false, unmatched, {}, o), std::set<int>{0});
  EXPECT_TRUE(h.removed.count(0));
  // an object born long ago is not removed however often it is unmatched
  HotstartState old;
  old.process(0, false, none, {7}, o);
  Association u7;
  u7.unmatched_trks = {7};
  for (int f = 10; f < 14; ++f) EXPECT_TRUE(old.process(f, false, u7, {}, o).empty());
}

TEST(ConceptHeuristics, HotstartRemovesTheYoungerDuplicate) {
  ConceptVideoOptions o;
  o.hotstart_delay = 4;
  o.hotstart_unmatch_thresh = 2;
  o.hotstart_dup_thresh = 2;
  HotstartState h;
  h.process(0, false, {}, {3}, o);
  h.process(1, false, {}, {4}, o);
  Association dup;
  dup.det_to_matched_trks[0] = {4, 3};  // one detection matches both: 3 (older) keeps
  EXPECT_TRUE(h.process(2, false, dup, {}, o).empty());
  EXPECT_EQ(h.process(3, false, dup, {}, o), std::set<int>{4});
  ASSERT_EQ(h.overlap_pairs.size(), 1u);
  EXPECT_EQ(h.overlap_pairs[0].first, std::make_pair(3, 4));
  // in reverse the object born later (max first frame) is the keeper
  HotstartState r;
  r.process(9, true, {}, {1}, o);
  r.process(8, true, {}, {2}, o);
  Association dup_r;
  dup_r.det_to_matched_trks[0] = {2, 1};
  r.process(7, true, dup_r, {}, o);
  ASSERT_EQ(r.overlap_pairs.size(), 1u);
  EXPECT_EQ(r.overlap_pairs[0].first, std::make_pair(1, 2));
}

TEST(ConceptHeuristics, OcclusionSuppressesTheMoreRecentlyOccluded) {
  const std::vector<std::vector<uint8_t>> masks = {rect(0, 0, 4, 4), rect(0, 0, 4, 4), rect(6, 6, 8, 8)};
  // 0 and 1 overlap fully; 1 was occluded more recently (5 > 2) → 1 is suppressed
  EXPECT_EQ(suppress_by_recent_occlusion(masks, {2, 5, -1}, 0.7f, false),
            (std::vector<bool>{false, true, false}));
  // never-occluded partner (−1) cannot suppress: j needs last_occ[i] > −1
  EXPECT_EQ(suppress_by_recent_occlusion(masks, {-1, 5, -1}, 0.7f, false),
            (std::vector<bool>{false, false, false}));
  // reverse tracking flips the comparison
  EXPECT_EQ(suppress_by_recent_occlusion(masks, {2, 5, -1}, 0.7f, true),
            (std::vector<bool>{true, false, false}));
}

TEST(ConceptHeuristics, ShrinkageClampsMasksThatLoseMostOfTheirArea) {
  // object 0 covers 4 pixels with low logits, object 1 the same 4 plus 0 more with higher logits
  std::vector<std::vector<float>> m = {{1.f, 1.f, 1.f, 1.f, -1.f, -1.f}, {2.f, 2.f, 2.f, -1.f, 5.f, -1.f}};
  suppress_pixelwise_area_shrinkage(m);
  // object 0 keeps 1 of 4 pixels (ratio 0.25 < 0.3): clamped to ≤ −10; object 1 keeps its original
  EXPECT_EQ(m[0], (std::vector<float>{-10.f, -10.f, -10.f, -10.f, -10.f, -10.f}));
  EXPECT_EQ(m[1], (std::vector<float>{2.f, 2.f, 2.f, -1.f, 5.f, -1.f}));
}

TEST(ConceptHeuristics, ObjectWiseNonOverlapByProbability) {
  std::vector<std::vector<uint8_t>> m = {{1, 1, 0, 1}, {1, 0, 1, 1}, {0, 0, 0, 1}};
  object_wise_non_overlap(m, {0.5f, 0.9f, 0.9f});
  // pixel 0: 1 wins; pixel 3: 1 and 2 tie at 0.9 → the lower index (1)
  EXPECT_EQ(m[0], (std::vector<uint8_t>{0, 1, 0, 0}));
  EXPECT_EQ(m[1], (std::vector<uint8_t>{1, 0, 1, 1}));
  EXPECT_EQ(m[2], (std::vector<uint8_t>{0, 0, 0, 0}));
  // an object with probability 0 keeps nothing
  std::vector<std::vector<uint8_t>> z = {{1, 1}, {0, 1}};
  object_wise_non_overlap(z, {0.f, 0.3f});
  EXPECT_EQ(z[0], (std::vector<uint8_t>{0, 0}));
  EXPECT_EQ(z[1], (std::vector<uint8_t>{0, 1}));
}

TEST(ConceptHeuristics, BoxesAreInclusiveExtentsNormalised) {
  const auto m = rect(2, 1, 5, 3);  // x 2..4, y 1..2
  const auto b = mask_box_xywh_normalized(m.data(), kSide, kSide);
  EXPECT_FLOAT_EQ(b[0], 2.f / 8);
  EXPECT_FLOAT_EQ(b[1], 1.f / 8);
  EXPECT_FLOAT_EQ(b[2], 2.f / 8);
  EXPECT_FLOAT_EQ(b[3], 1.f / 8);
}
