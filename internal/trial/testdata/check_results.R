# Checks HOLF's effect table against lme4/lmerTest and clubSandwich on the
# exported analysis data: Rscript check_results.R DIR
# R refits with its optimiser run to convergence (lme4's default stops at
# ftol_abs 1e-8 on the REML criterion, which on these nearly singular fits
# leaves estimates some 1e-5 from the optimum; HOLF's fit is at the tight
# optimum). Tolerances: estimates to 1e-6 relative or 1e-5 of their
# standard error, whichever is larger; standard errors to 1e-5 relative;
# CR2 p-values, closed form, to 1e-6; Holm and BH exactly, of HOLF's own
# p-values. Satterthwaite df to 5 % and p-values to 1e-3: the df
# is a second derivative of the REML criterion, which HOLF and lmerTest
# (numDeriv) take numerically; where a variance parameter is small but not
# zero they have been seen 1-3 % apart (df 27.35 against 27.01 on one demo
# outcome), elsewhere within 0.1 %. The largest gaps are printed. Issue 17
# (Satterthwaite df exact on any data) owns closing them.
suppressPackageStartupMessages({ library(lmerTest); library(clubSandwich) })
dir <- commandArgs(trailingOnly = TRUE)[1]
eff <- read.csv(file.path(dir, "effects.csv"), stringsAsFactors = FALSE)
bad <- character(0)
gap_df <- 0; gap_p <- 0; gap_est <- 0
tight <- lmerControl(optimizer = "nloptwrap", optCtrl = list(ftol_abs = 1e-14, ftol_rel = 1e-14, xtol_abs = 1e-12, xtol_rel = 1e-12, maxeval = 1e5))
near <- function(what, got, want, rel, abs = 0) {
  if (!is.finite(got) || abs(got - want) > max(abs, rel * abs(want))) bad <<- c(bad, sprintf("%s: HOLF %.10g, R %.10g", what, got, want))
}
for (i in seq_len(nrow(eff))) {
  e <- eff[i, ]
  d <- read.csv(file.path(dir, e$data), stringsAsFactors = FALSE)
  d$office <- factor(d$office); d$person <- factor(d$person)
  m <- lmer(as.formula(e$formula), data = d, REML = TRUE, control = tight)
  s <- coef(summary(m, ddf = "Satterthwaite"))[e$term, ]
  id <- paste(e$group, e$outcome)
  if (nrow(d) != e$n) bad <- c(bad, sprintf("%s: %d rows, HOLF used %d", id, nrow(d), e$n))
  near(paste(id, "estimate"), e$estimate, s[["Estimate"]], 1e-6, 1e-5 * s[["Std. Error"]])
  near(paste(id, "se"), e$se, s[["Std. Error"]], 1e-5)
  near(paste(id, "df"), e$df, s[["df"]], 5e-2)
  near(paste(id, "p"), e$p, s[["Pr(>|t|)"]], 0, 1e-3)
  gap_df <- max(gap_df, abs(e$df / s[["df"]] - 1)); gap_p <- max(gap_p, abs(e$p - s[["Pr(>|t|)"]]))
  gap_est <- max(gap_est, abs(e$estimate / s[["Estimate"]] - 1))
  r <- coef_test(lm(y ~ time * arm, data = d), vcov = "CR2", cluster = d$office, test = "Satterthwaite")
  near(paste(id, "p_cr2"), e$p_cr2, r$p_Satt[r$Coef == e$term], 1e-6, 1e-9)
  # The office ICC at T1 from the one-way ANOVA, with Searle's interval.
  d1 <- d[d$time == 0, ]; d1$office <- droplevels(d1$office)
  a <- anova(lm(y ~ office, data = d1)); msb <- a[1, 3]; msw <- a[2, 3]
  k <- nlevels(d1$office); N <- nrow(d1); ni <- as.numeric(table(d1$office)); n0 <- (N - sum(ni^2) / N) / (k - 1)
  f <- msb / msw; fl <- f / qf(0.975, k - 1, N - k); fu <- f / qf(0.025, k - 1, N - k)
  near(paste(id, "icc_t1"), e$icc_t1, (msb - msw) / (msb + (n0 - 1) * msw), 1e-8, 1e-10)
  near(paste(id, "icc_t1_lower"), e$icc_t1_lower, (fl - 1) / (fl + n0 - 1), 1e-8, 1e-10)
  near(paste(id, "icc_t1_upper"), e$icc_t1_upper, (fu - 1) / (fu + n0 - 1), 1e-8, 1e-10)
}
holm <- ave(eff$p, eff$group, FUN = function(x) p.adjust(x, "holm"))
bh <- ave(eff$p, eff$group, FUN = function(x) p.adjust(x, "BH"))
for (i in seq_len(nrow(eff))) {
  near(paste(eff$group[i], eff$outcome[i], "p_holm"), eff$p_holm[i], holm[i], 1e-9, 1e-12)
  near(paste(eff$group[i], eff$outcome[i], "p_bh"), eff$p_bh[i], bh[i], 1e-9, 1e-12)
}
if (length(bad)) stop(paste(c("HOLF differs from R:", bad), collapse = "\n"))
cat(sprintf("largest gaps: estimate %.2g (relative), df %.2g (relative), p %.2g\n", gap_est, gap_df, gap_p))
cat("R reproduced", nrow(eff), "effects\n")
