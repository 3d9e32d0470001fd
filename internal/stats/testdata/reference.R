# Regenerates HOLF's statistical reference outputs with R itself.
# Run from internal/stats:  Rscript testdata/reference.R [OUTDIR]
# (OUTDIR defaults to testdata; the test command writes to a temporary
# directory and compares with testdata/compare.R).
# Every data set is generated here from a fixed seed and written beside its
# reference results; the Go tests compare HOLF's numbers to these.
suppressPackageStartupMessages({
  library(clubSandwich)
  library(psych)
  library(mice)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))  # factor levels in byte order, as HOLF sorts them
args <- commandArgs(TRUE)
out_dir <- if (length(args) > 0) args[1] else "testdata"
dir.create(out_dir, showWarnings = FALSE)
# Inputs are read from testdata; every file is written to out_dir.
outp <- function(name) file.path(out_dir, name)
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write_ref <- function(df, file) {
  df[] <- lapply(df, function(col) if (is.numeric(col)) fmt(col) else col)
  write.csv(df, file, row.names = FALSE, quote = TRUE)
}

## Cluster-randomised data: offices randomised to arms, persons measured at two times.
set.seed(20161001)
make_trial <- function(n_office, missing = 0) {
  rows <- list()
  arm <- sample(rep(c("comparison", "intervention"), length.out = n_office))
  for (o in seq_len(n_office)) {
    size <- sample(4:14, 1)
    u <- rnorm(1, 0, 0.5)
    w <- rnorm(2, 0, 0.3)  # offices change differently over time: (1 | office:time)
    for (p in seq_len(size)) {
      v <- rnorm(1, 0, 0.7)
      x <- round(rnorm(1, 40, 9))
      region <- sample(c("east", "north", "west"), 1)
      for (time in 0:1) {
        y <- 2 + 0.3 * time + 0.5 * (arm[o] == "intervention") + 0.4 * time * (arm[o] == "intervention") +
          0.02 * x + u + w[time + 1] + v + rnorm(1, 0, 0.6)
        rows[[length(rows) + 1]] <- data.frame(office = sprintf("o%02d", o), person = sprintf("o%02dp%02d", o, p),
          time = time, arm = arm[o], x = x, region = region, y = y, stringsAsFactors = FALSE)
      }
    }
  }
  d <- do.call(rbind, rows)
  if (missing > 0) {
    d$y[sample(nrow(d), round(missing * nrow(d)))] <- NA
    d$x[sample(nrow(d), round(missing / 2 * nrow(d)))] <- NA
  }
  d
}
robust_cases <- list(
  list(name = "robust_trial", data = make_trial(24), formula = y ~ time * arm),
  list(name = "robust_covariates", data = make_trial(15, missing = 0.05), formula = y ~ x + region + time * arm)
)
for (case in robust_cases) {
  write.csv(case$data, outp(paste0(case$name, ".csv")), row.names = FALSE, na = "NA")
  fit <- lm(case$formula, data = case$data)
  out <- NULL
  used <- case$data[complete.cases(case$data[, all.vars(case$formula)]), ]
  for (type in c("CR0", "CR1", "CR2")) {
    ct <- as.data.frame(coef_test(fit, vcov = type, cluster = used$office, test = "Satterthwaite"))
    ci <- as.data.frame(conf_int(fit, vcov = type, cluster = used$office, test = "Satterthwaite", level = 0.95))
    out <- rbind(out, data.frame(type = type, term = names(coef(fit)), estimate = ct$beta, se = ct$SE,
      statistic = ct$tstat, df = ct$df_Satt, p = ct$p_Satt, ci_lower = ci$CI_L, ci_upper = ci$CI_U, stringsAsFactors = FALSE))
  }
  write_ref(out, outp(paste0(case$name, "_ref.csv")))
  # Joint test that every coefficient but the intercept is zero, that the arm terms are, and that they are equal.
  k <- length(coef(fit)); arm_terms <- grep("arm", names(coef(fit)))
  w <- rbind(
    data.frame(set = "all", as.data.frame(Wald_test(fit, constraints = constrain_zero(2:k), vcov = "CR2", cluster = used$office, test = "HTZ"))[, c("Fstat", "df_num", "df_denom", "p_val")]),
    data.frame(set = "arm", as.data.frame(Wald_test(fit, constraints = constrain_zero(arm_terms), vcov = "CR2", cluster = used$office, test = "HTZ"))[, c("Fstat", "df_num", "df_denom", "p_val")]),
    # That the arm terms are equal: an equality constraint.
    data.frame(set = "equal", as.data.frame(Wald_test(fit, constraints = constrain_equal(arm_terms), vcov = "CR2", cluster = used$office, test = "HTZ"))[, c("Fstat", "df_num", "df_denom", "p_val")]),
    data.frame(set = "equal3", as.data.frame(Wald_test(fit, constraints = constrain_equal(grep("time|arm", names(coef(fit)))), vcov = "CR2", cluster = used$office, test = "HTZ"))[, c("Fstat", "df_num", "df_denom", "p_val")]))
  write_ref(w, outp(paste0(case$name, "_wald_ref.csv")))
}

## Scale reliability: six 0-4 items driven by one trait, with and without missing answers.
set.seed(20180401)
make_items <- function(n, missing = 0) {
  trait <- rnorm(n)
  items <- sapply(1:6, function(i) pmin(4, pmax(0, round(2 + (0.5 + i / 10) * trait + rnorm(n, 0, 0.9)))))
  colnames(items) <- paste0("q", 1:6)
  items[, 4] <- 4 - items[, 4]  # a reverse-worded item, left unreversed on purpose
  if (missing > 0) items[sample(length(items), round(missing * length(items)))] <- NA
  as.data.frame(items)
}
for (case in list(list(name = "alpha_complete", data = make_items(300)), list(name = "alpha_missing", data = make_items(250, 0.04)))) {
  write.csv(case$data, outp(paste0(case$name, ".csv")), row.names = FALSE, na = "NA")
  a <- suppressWarnings(psych::alpha(case$data, check.keys = FALSE, warnings = FALSE))
  tot <- data.frame(item = "(total)", raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, g6 = a$total[["G6(smc)"]],
    average_r = a$total$average_r, s_n = a$total[["S/N"]], mean = a$total$mean, sd = a$total$sd, r_drop = NA)
  drop <- data.frame(item = rownames(a$alpha.drop), raw_alpha = a$alpha.drop$raw_alpha, std_alpha = a$alpha.drop$std.alpha,
    g6 = a$alpha.drop[["G6(smc)"]], average_r = a$alpha.drop$average_r, s_n = a$alpha.drop[["S/N"]],
    mean = a$item.stats$mean, sd = a$item.stats$sd, r_drop = a$item.stats$r.drop)
  write_ref(rbind(tot, drop), outp(paste0(case$name, "_ref.csv")))
}

## Linear mixed models with random intercepts, fitted by lmer with tolerances
## tight enough that the optimum itself, not the optimiser, is compared.
suppressPackageStartupMessages({ library(lme4); library(lmerTest) })
# lmer's results for the office:time model vary between runs in about the
# seventh digit (the order of floating-point sums changes with memory layout);
# compare.R allows for that (1e-5); the Go tests compare at 1e-6.
tight <- lmerControl(optimizer = "nloptwrap", optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 1e-12, ftol_rel = 1e-14),
  calc.derivs = FALSE)
sleep <- lme4::sleepstudy
sleep$Subject <- paste0("s", as.character(sleep$Subject))
write.csv(sleep, outp("lmm_sleepstudy.csv"), row.names = FALSE)
trial <- read.csv(outp("robust_trial.csv"), stringsAsFactors = FALSE)
trial$time_f <- paste0("t", trial$time)
trial$w <- 1 + (as.integer(factor(trial$person)) %% 3) / 2  # prior weights, without drawing random numbers
write.csv(trial, outp("lmm_trial.csv"), row.names = FALSE, na = "NA")
# Crossed factors: rows in 150 a-levels and 60 b-levels at random, as pupils in schools and neighbourhoods.
set.seed(20190401)
cr <- data.frame(a = sprintf("a%03d", sample(150, 800, TRUE)), b = sprintf("b%02d", sample(60, 800, TRUE)),
                 x = round(rnorm(800), 4), stringsAsFactors = FALSE)
ua <- rnorm(150, 0, 0.5); ub <- rnorm(60, 0, 0.3)
cr$y <- round(1 + 0.4 * cr$x + ua[as.integer(substring(cr$a, 2))] + ub[as.integer(substring(cr$b, 2))] + rnorm(800), 4)
write.csv(cr, outp("lmm_crossed.csv"), row.names = FALSE)
lmm_cases <- list(
  list(name = "lmm_sleepstudy", data = sleep, formula = Reaction ~ Days + (1 | Subject)),
  list(name = "lmm_crossed", data = cr, formula = y ~ x + (1 | a) + (1 | b)),
  list(name = "lmm_weighted", data = trial, formula = y ~ time * arm + (1 | office) + (1 | person), weights = TRUE),
  list(name = "lmm_trial", data = trial, formula = y ~ time * arm + (1 | office) + (1 | person)),
  list(name = "lmm_trial_officetime", data = trial, formula = y ~ time * arm + (1 | office) + (1 | person) + (1 | office:time_f)),
  # A singular fit: region has no effect, so its variance sits on the boundary (θ = 0).
  list(name = "lmm_boundary", data = read.csv(outp("robust_covariates.csv"), stringsAsFactors = FALSE), formula = y ~ time * arm + (1 | office) + (1 | region))
)
for (case in lmm_cases) {
  for (reml in c(TRUE, FALSE)) {
    fit <- if (isTRUE(case$weights)) suppressMessages(lmerTest::lmer(case$formula, data = case$data, REML = reml, control = tight, weights = w)) else
      suppressMessages(lmerTest::lmer(case$formula, data = case$data, REML = reml, control = tight))
    co <- summary(fit, ddf = "Satterthwaite")$coefficients
    # 95 % intervals with each coefficient's Satterthwaite df, as lmerTest's contest().
    ci <- contest(fit, diag(nrow(co)), joint = FALSE, confint = TRUE)
    vc <- as.data.frame(VarCorr(fit))
    out <- rbind(
      data.frame(kind = "fixed", name = rownames(co), value = co[, "Estimate"], se = co[, "Std. Error"], df = co[, "df"], p = co[, "Pr(>|t|)"],
        ci_lower = ci$lower, ci_upper = ci$upper, stringsAsFactors = FALSE),
      data.frame(kind = "variance", name = vc$grp, value = vc$vcov, se = NA, df = NA, p = NA, ci_lower = NA, ci_upper = NA, stringsAsFactors = FALSE),
      data.frame(kind = "fit", name = c("loglik", "deviance", "aic", "bic", "n"),
        value = c(as.numeric(logLik(fit)), if (reml) REMLcrit(fit) else deviance(fit), AIC(fit), BIC(fit), nobs(fit)), se = NA, df = NA, p = NA, ci_lower = NA, ci_upper = NA))
    write_ref(out, outp(paste0(case$name, if (reml) "_reml" else "_ml", "_ref.csv")))
    # pbkrtest takes the residual covariance as sigma^2 I whatever the prior weights, so it has no
    # Kenward-Roger reference for a weighted fit (HOLF uses sigma^2 W^-1).
    if (reml && !isTRUE(case$weights)) {
      kr <- summary(fit, ddf = "Kenward-Roger")$coefficients
      write_ref(data.frame(name = rownames(kr), value = kr[, "Estimate"], se = kr[, "Std. Error"], df = kr[, "df"], p = kr[, "Pr(>|t|)"]),
        outp(paste0(case$name, "_kr_ref.csv")))
    }
  }
}

## Multiplicity: Holm and Benjamini-Hochberg as p.adjust, with ties.
p <- c(0.002, 0.021, 0.063, 0.0004, 0.5, 0.021, 0.049, 0.8, 0.011, 0.2)
write_ref(data.frame(p = p, holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH")), outp("padjust.csv"))

## Logistic mixed models with one random intercept, as glmer: Laplace and adaptive Gauss-Hermite.
set.seed(20170101)
d <- read.csv(outp("robust_trial.csv"), stringsAsFactors = FALSE)
eta <- -1 + 0.4 * d$time + 0.3 * (d$arm == "intervention") + 0.5 * d$time * (d$arm == "intervention") +
  rnorm(length(unique(d$office)), 0, 0.6)[as.integer(factor(d$office))]
d$work <- rbinom(nrow(d), 1, plogis(eta))
write.csv(d[, c("office", "person", "time", "arm", "work")], outp("glmm_trial.csv"), row.names = FALSE)
# tolPwrss: the Laplace fit solves for the conditional modes iteratively; its default tolerance (1e-7)
# leaves the deviance about 1e-4 high, so it is tightened as the optimiser's is.
gtight <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e6), tolPwrss = 1e-12)
# A GLMM's fixed effects (estimate, se, p), variances and fit, as the Go tests read them.
write_glmm_ref <- function(fit, file) {
  co <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  write_ref(rbind(
    data.frame(kind = "fixed", name = rownames(co), value = co[, 1], se = co[, 2], p = co[, 4], stringsAsFactors = FALSE),
    data.frame(kind = "variance", name = vc$grp, value = vc$vcov, se = NA, p = NA),
    data.frame(kind = "fit", name = c("loglik", "deviance", "aic"), value = c(as.numeric(logLik(fit)), -2 * as.numeric(logLik(fit)), AIC(fit)), se = NA, p = NA)),
    file)
}
for (q in c(1, 7)) {
  fit <- glmer(work ~ time * arm + (1 | office), data = d, family = binomial, nAGQ = q, control = gtight)
  write_glmm_ref(fit, outp(sprintf("glmm_trial_agq%d_ref.csv", q)))
}

## lme4's own binomial example: contagious bovine pleuropneumonia.
cbpp <- lme4::cbpp
cbpp$healthy <- cbpp$size - cbpp$incidence
cbpp$herd <- paste0("h", sprintf("%02d", as.integer(as.character(cbpp$herd))))
cbpp$period <- paste0("p", as.character(cbpp$period))
write.csv(cbpp, outp("glmm_cbpp.csv"), row.names = FALSE)
for (q in c(1, 9)) {
  fit <- glmer(cbind(incidence, healthy) ~ period + (1 | herd), data = cbpp, family = binomial, nAGQ = q, control = gtight)
  write_glmm_ref(fit, outp(sprintf("glmm_cbpp_agq%d_ref.csv", q)))
}

## Power of a two-arm cluster-randomised trial: the noncentral t with J - 2 df, as power.t.test
## (strict = TRUE) computes it, with the standard error of the standardised effect
## sqrt(4 DE / (J m)) and DE = 1 + ((cv^2 + 1) m - 1) icc.
pow_t <- function(delta, J, alpha) {
  df <- J - 2
  cr <- qt(1 - alpha / 2, df)
  pt(cr, df, delta, lower.tail = FALSE) + pt(-cr, df, delta)
}
se_d <- function(J, m, icc, cv) sqrt(4 * (1 + ((cv^2 + 1) * m - 1) * icc) / (J * m))
grid <- expand.grid(clusters = c(4, 10, 30, 60), size = c(5, 21), icc = c(0.04, 0.2), cv = c(0, 0.4),
                    alpha = c(0.05, 0.01), power = c(0.8, 0.9))
grid$mde <- NA
grid$power_at_normal_mde <- NA
for (i in seq_len(nrow(grid))) {
  g <- grid[i, ]
  se <- se_d(g$clusters, g$size, g$icc, g$cv)
  delta <- uniroot(function(d) pow_t(d, g$clusters, g$alpha) - g$power, c(0, 60), tol = 1e-14)$root
  grid$mde[i] <- delta * se
  z <- qnorm(1 - g$alpha / 2) + qnorm(g$power)
  grid$power_at_normal_mde[i] <- pow_t(z, g$clusters, g$alpha)
}
write_ref(grid, outp("power_t_ref.csv"))
## The planning figure: persons per office to detect 0.30 with 30 offices at icc 0.04.
needed <- function(J, icc, effect, power, strict) {
  for (m in 1:1000) {
    se <- se_d(J, m, icc, 0)
    p <- if (strict) pow_t(effect / se, J, 0.05) else pnorm(effect / se - qnorm(0.975))
    if (p >= power) return(m)
  }
}
write_ref(data.frame(clusters = 30, icc = 0.04, effect = 0.3, power = 0.8,
                     size_t = needed(30, 0.04, 0.3, 0.8, TRUE), size_normal = needed(30, 0.04, 0.3, 0.8, FALSE)),
          outp("power_planning_ref.csv"))

## Design matrices exactly as model.matrix codes them: contrasts and marginality, columns with no
## intercept, interactions without their main effects, column names and order.
set.seed(20261201)
dd <- data.frame(y = round(rnorm(36), 3), x = round(rnorm(36, 10, 2), 3), z = round(runif(36), 3),
                 arm = sample(rep(c("comparison", "intervention"), 18)),
                 region = sample(rep(c("east", "north", "west"), 12)),
                 wave = rep(c("T1", "T2", "T3"), 12), stringsAsFactors = FALSE)
dd$k <- sample(c(1, 2, 5), 36, replace = TRUE)  # a numeric column for factor()
write.csv(dd, outp("design_data.csv"), row.names = FALSE)
design_formulas <- c(
  "y ~ 0 + arm + x", "y ~ 0 + x + arm + region", "y ~ -1 + region:arm", "y ~ wave + wave:arm",
  "y ~ x:region", "y ~ x * arm", "y ~ arm * x", "y ~ region * arm", "y ~ arm + x:arm",
  "y ~ arm:x + x", "y ~ region + arm:region", "y ~ x + z + x:z:arm", "y ~ region * arm * x",
  "y ~ 0 + x:arm", "y ~ arm:region + region", "y ~ wave * region", "y ~ 0 + wave:x + region",
  # The functions a formula may call, named and computed as R does.
  "y ~ log(z) + x", "y ~ factor(k) + x", "y ~ factor(k) * arm", "y ~ I(x^2) + x", "y ~ I(x - 10) * arm",
  "y ~ poly(x, 2)", "y ~ poly(x, 3) + arm", "y ~ arm + poly(x, 2):arm", "y ~ I(x/2) + sqrt(z) + exp(z/10)",
  "y ~ 0 + factor(k) + x")
out <- do.call(rbind, lapply(design_formulas, function(f) {
  m <- model.matrix(as.formula(f), dd)
  data.frame(formula = f, position = rep(seq_len(ncol(m)), each = nrow(m)),
             column = rep(colnames(m), each = nrow(m)), row = rep(seq_len(nrow(m)), ncol(m)),
             value = as.vector(m), stringsAsFactors = FALSE)
}))
write_ref(out, outp("design_ref.csv"))
# A transformed response and an offset, as lm fits them.
fn_fits <- list("log(z) ~ x + factor(k)" = lm(log(z) ~ x + factor(k), dd), "y ~ x + arm + offset(2 * z)" = lm(y ~ x + arm + offset(2 * z), dd))
write_ref(do.call(rbind, lapply(names(fn_fits), function(f) data.frame(formula = f, term = names(coef(fn_fits[[f]])),
  estimate = unname(coef(fn_fits[[f]])), stringsAsFactors = FALSE))), outp("formula_functions_ref.csv"))

## CR2 with cluster fixed effects: each I - H_j is singular, and clubSandwich takes the generalised
## inverse square root (eigenvalues at or below 1e-12 set to zero).
fe <- read.csv(outp("robust_covariates.csv"), stringsAsFactors = FALSE)
fe <- fe[complete.cases(fe[, c("y", "x", "time", "office")]), ]
fit <- lm(y ~ x + time + office, data = fe)
out <- NULL
for (type in c("CR0", "CR1", "CR2")) {
  ct <- as.data.frame(coef_test(fit, vcov = type, cluster = fe$office, test = "Satterthwaite"))
  out <- rbind(out, data.frame(type = type, term = names(coef(fit)), estimate = ct$beta, se = ct$SE,
    statistic = ct$tstat, df = ct$df_Satt, p = ct$p_Satt, stringsAsFactors = FALSE))
}
write_ref(out[out$term %in% c("x", "time"), ], outp("robust_cluster_fe_ref.csv"))

## Multiple imputation: mice imputes its own nhanes2 example five times, lm is fitted to each, and
## pool() combines them by Rubin's rules with Barnard-Rubin df, with the model's residual df as the
## complete-data df and in the large-sample case (dfcom = Inf).
imp <- mice(nhanes2, m = 5, printFlag = FALSE, seed = 20180301)
fits <- with(imp, lm(chl ~ age + bmi))
inputs <- do.call(rbind, lapply(seq_along(fits$analyses), function(k) {
  co <- summary(fits$analyses[[k]])$coefficients
  data.frame(imputation = k, term = rownames(co), estimate = co[, 1], se = co[, 2], stringsAsFactors = FALSE)
}))
write_ref(inputs, outp("pool_inputs.csv"))
out <- NULL
for (dfcom in list(NULL, Inf)) {
  pl <- pool(fits, dfcom = dfcom)
  s <- summary(pl, conf.int = TRUE)
  pp <- pl$pooled
  out <- rbind(out, data.frame(dfcom = pp$dfcom, term = as.character(s$term), estimate = s$estimate, se = s$std.error,
    statistic = s$statistic, df = s$df, p = s$p.value, ci_lower = s[["2.5 %"]], ci_upper = s[["97.5 %"]],
    ubar = pp$ubar, b = pp$b, t = pp$t, riv = pp$riv, lambda = pp$lambda, fmi = pp$fmi, stringsAsFactors = FALSE))
}
write_ref(out, outp("pool_ref.csv"))

## Likelihood-ratio comparisons of nested mixed models, as anova(m0, m1): refitted by ML, on the rows
## complete in every model's variables (x is missing in some rows the smaller model would keep).
lr <- read.csv(outp("robust_covariates.csv"), stringsAsFactors = FALSE)
lr <- lr[complete.cases(lr[, c("y", "x", "time", "arm", "office")]), ]
lr_lmm <- anova(lmer(y ~ time + arm + (1 | office), data = lr, REML = FALSE, control = tight),
                lmer(y ~ x + time * arm + (1 | office), data = lr, REML = FALSE, control = tight))
gl <- read.csv(outp("glmm_trial.csv"), stringsAsFactors = FALSE)
lr_glmm <- anova(glmer(work ~ time + arm + (1 | office), data = gl, family = binomial, control = gtight),
                 glmer(work ~ time * arm + (1 | office), data = gl, family = binomial, control = gtight))
lr_row <- function(case, a) data.frame(case = case, model = seq_len(nrow(a)), npar = a$npar, loglik = a$logLik, deviance = a$deviance,
                                        aic = a$AIC, bic = a$BIC, chisq = a$Chisq, df = a$Df, p = a[["Pr(>Chisq)"]])
write_ref(rbind(lr_row("lmm", lr_lmm), lr_row("glmm", lr_glmm)), outp("lrt_ref.csv"))

## Contrasts an analyst reports: the arm difference at T2 and the change in the intervention arm,
## in the mixed model (lmerTest's contest, Satterthwaite and Kenward-Roger) and in robust regression
## (clubSandwich's linear_contrast, CR2).
ct_l <- rbind(c(0, 0, 1, 1), c(0, 1, 0, 1))
ct_labels <- c("arm at T2", "change in intervention")
ct_out <- NULL
ct_fit <- lmerTest::lmer(y ~ time * arm + (1 | office) + (1 | person), data = trial, REML = TRUE, control = tight)
for (ddf in c("Satterthwaite", "Kenward-Roger")) {
  ce <- contest(ct_fit, ct_l, joint = FALSE, ddf = ddf, confint = TRUE)
  ct_out <- rbind(ct_out, data.frame(model = paste("lmm", ddf), label = ct_labels, estimate = ce$Estimate, se = ce[["Std. Error"]],
    df = ce$df, p = ce[["Pr(>|t|)"]], ci_lower = ce$lower, ci_upper = ce$upper, stringsAsFactors = FALSE))
}
rt <- read.csv(outp("robust_trial.csv"), stringsAsFactors = FALSE)
rfit <- lm(y ~ time * arm, data = rt)
lc <- as.data.frame(linear_contrast(rfit, vcov = "CR2", cluster = rt$office, contrasts = ct_l, test = "Satterthwaite"))
ct_out <- rbind(ct_out, data.frame(model = "robust CR2", label = ct_labels, estimate = lc$Est, se = lc$SE, df = lc$df,
  p = 2 * pt(-abs(lc$Est / lc$SE), lc$df), ci_lower = lc$CI_L, ci_upper = lc$CI_U, stringsAsFactors = FALSE))
write_ref(ct_out, outp("contrast_ref.csv"))

## The parents' repeated binary outcome: a logistic mixed model with office and person intercepts
## (Laplace, as glmer requires for several random terms), and the three-level one with office:time.
gp <- read.csv(outp("glmm_trial.csv"), stringsAsFactors = FALSE)
gp$time_f <- paste0("t", gp$time)
for (case in list(list(name = "glmm_persons", formula = work ~ time * arm + (1 | office) + (1 | person)),
                  list(name = "glmm_officetime", formula = work ~ time * arm + (1 | office) + (1 | person) + (1 | office:time_f)))) {
  fit <- glmer(case$formula, data = gp, family = binomial, control = gtight)
  write_glmm_ref(fit, outp(paste0(case$name, "_ref.csv")))
}

## Counts: Poisson mixed models (log link, Laplace). lme4's own grouseticks example, with crossed
## brood and location intercepts and a factor() in the formula; and the trial's contacts per family
## over months at risk, an offset(log(months)).
gt <- lme4::grouseticks
# HEIGHT centred, as lme4's own example does: uncentred, glmer warns that the model is nearly
# unidentifiable and its intercept and standard errors lose digits (HOLF centres internally).
gt <- data.frame(TICKS = gt$TICKS, YEAR = as.numeric(as.character(gt$YEAR)), cHEIGHT = gt$HEIGHT - mean(gt$HEIGHT),
                 BROOD = paste0("b", gt$BROOD), LOCATION = paste0("l", gt$LOCATION), stringsAsFactors = FALSE)
write.csv(gt, outp("glmm_grouseticks.csv"), row.names = FALSE)
set.seed(20200101)
pc <- read.csv(outp("robust_trial.csv"), stringsAsFactors = FALSE)
pc$months <- sample(3:12, nrow(pc), replace = TRUE)
u <- rnorm(length(unique(pc$office)), 0, 0.3)[as.integer(factor(pc$office))]
pc$contacts <- rpois(nrow(pc), pc$months * exp(-1 + 0.2 * pc$time + 0.3 * pc$time * (pc$arm == "intervention") + u))
write.csv(pc[, c("office", "person", "time", "arm", "months", "contacts")], outp("glmm_contacts.csv"), row.names = FALSE)
for (case in list(list(name = "glmm_grouseticks", data = gt, formula = TICKS ~ factor(YEAR) + cHEIGHT + (1 | BROOD) + (1 | LOCATION)),
                  list(name = "glmm_contacts", data = pc, formula = contacts ~ time * arm + offset(log(months)) + (1 | office)))) {
  fit <- glmer(case$formula, data = case$data, family = poisson, control = gtight)
  write_glmm_ref(fit, outp(paste0(case$name, "_ref.csv")))
}
