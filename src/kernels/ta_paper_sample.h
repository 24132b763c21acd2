/* The probe's sample and folds exactly as the paper's script makes them (Wen-Yi & Mimno 2023,
 * hyperpolyglot scripts/category_identification_task.py):
 *
 *     X_resampled, y_resampled = RandomUnderSampler(random_state=SEED).fit_resample(X, y)
 *     cross_val_score(LogisticRegression(), X_resampled, y_resampled, cv=10)
 *
 * with y the one-vs-rest labels (1 for the category, 0 for every other token) in the row order of
 * X. Read: imbalanced-learn 0.10 (RandomUnderSampler._fit_resample, sampling_strategy 'auto' =
 * 'not minority' in utils/_validation.py) and scikit-learn 1.2 (StratifiedKFold._make_test_folds;
 * cross_val_score with an integer cv on a classifier and binary y uses StratifiedKFold(cv),
 * shuffle=False).
 *
 * Kernels: plain arrays, no allocation, no output. */
#ifndef TA_PAPER_SAMPLE_H
#define TA_PAPER_SAMPLE_H

#include <stdint.h>

/* Local. RandomUnderSampler(random_state=seed).fit_resample on binary labels y[0..n) (0/1):
 *   - the class counts n0, n1 (np.unique order: 0, then 1); the minority is the class with the
 *     fewer rows, class 0 when they tie (min() over the sorted dict takes the first);
 *   - one numpy RandomState(seed) for the call; for each class in order 0, 1: the minority keeps
 *     all its rows in row order; the other class keeps
 *     flatnonzero(y == c)[choice(n_c, m, replace=False)] with m the minority's count, i.e. its
 *     row positions in row order, shuffled by numpy's legacy shuffle, the first m;
 *   - the output is class 0's kept rows, then class 1's (sample_indices_).
 * idx[0..2m) receives the row positions in that order and y_out[0..2m) their labels; work needs
 * room for n int64. Returns m; 0 (nothing written) when a class is empty, where imbalanced-learn
 * refuses a single class. */
int64_t ta_paper_undersample(const uint8_t *y, int64_t n, uint32_t seed, int64_t *idx,
                             uint8_t *y_out, int64_t *work);

/* Local. StratifiedKFold(n_splits=k, shuffle=False) test folds of binary labels y[0..n):
 * the classes are numbered by order of first appearance in y; with the counts c_0, c_1 in that
 * numbering, the sorted codes put class j at positions [S_j, S_j + c_j) (S_0 = 0, S_1 = c_0); fold
 * f receives, of class j, as many samples as there are positions p in that range with
 * p mod k == f (round robin over the sorted codes); the samples of class j, in row order, then
 * fill fold 0 with its share, fold 1 with its share, and so on (blocks). fold[i] is set for every
 * i < n. scikit-learn refuses k greater than every class count and warns when k exceeds the
 * smaller one; the caller keeps k <= both counts. */
void ta_paper_skfold(const uint8_t *y, int64_t n, int k, int32_t *fold);

#endif
