package trial

import (
	"encoding/csv"
	"io"
	"strconv"
)

// effectColumns are the effect table's columns in every CSV HOLF writes of
// it: the web's download, the command line's export and the report bundle.
var effectColumns = []string{"group", "outcome", "term", "estimate", "se", "df", "p", "ci_lower", "ci_upper", "p_cr2", "p_randomisation",
	"randomisation_reference", "p_holm", "p_bh", "icc_office", "icc_t1", "icc_t1_lower", "icc_t1_upper", "hedges_g", "hedges_ci_lower", "hedges_ci_upper",
	"n", "persons", "offices", "formula", "data", "snapshot", "seed", "software"}

// WriteEffects writes the effect table as CSV, each row carrying what
// reproduces it: the model's formula, the data file (when exported), and
// the run's data snapshot, seed and software.
func WriteEffects(w io.Writer, effects []Effect, snapshot string, seed uint64, software string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(effectColumns); err != nil {
		return err
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	for _, e := range effects {
		if err := cw.Write([]string{e.Group, e.Outcome, e.Term, g(e.Estimate), g(e.SE), g(e.DF), g(e.P), g(e.Lower), g(e.Upper), g(e.PCR2),
			g(e.PRandomisation), e.Reference, g(e.PHolm), g(e.PBH), g(e.ICCOffice), g(e.ICCT1.ICC), g(e.ICCT1.Lower), g(e.ICCT1.Upper),
			g(e.Hedges.Adjusted), g(e.Hedges.Lower), g(e.Hedges.Upper), strconv.Itoa(e.N), strconv.Itoa(e.Persons), strconv.Itoa(e.Offices),
			e.Formula, e.Data, snapshot, strconv.FormatUint(seed, 10), software}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReproduceR refits every outcome of effects.csv in R and prints HOLF's
// figures beside R's, so that a reader can see that they agree.
const ReproduceR = `# Reproduces HOLF's effect table (effects.csv) from the exported data with
# lme4/lmerTest (Satterthwaite df) and clubSandwich (CR2). Run in this
# directory: Rscript reproduce.R
# The optimiser runs to convergence: lme4's default stops at ftol_abs 1e-8
# on the REML criterion, which on nearly singular fits leaves estimates
# some 1e-5 from the optimum HOLF reports. Satterthwaite df are second
# derivatives taken numerically on both sides and agree to a few per cent
# where a variance is small, closer elsewhere.
suppressPackageStartupMessages({ library(lmerTest); library(clubSandwich) })
tight <- lmerControl(optimizer = "nloptwrap", optCtrl = list(ftol_abs = 1e-14, ftol_rel = 1e-14,
  xtol_abs = 1e-12, xtol_rel = 1e-12, maxeval = 1e5))
eff <- read.csv("effects.csv", stringsAsFactors = FALSE)
out <- NULL
for (i in seq_len(nrow(eff))) {
  e <- eff[i, ]
  d <- read.csv(e$data, stringsAsFactors = FALSE)
  d$office <- factor(d$office); d$person <- factor(d$person)
  m <- lmer(as.formula(e$formula), data = d, REML = TRUE, control = tight)
  s <- coef(summary(m, ddf = "Satterthwaite"))[e$term, ]
  ols <- lm(y ~ time * arm, data = d)
  r <- coef_test(ols, vcov = "CR2", cluster = d$office, test = "Satterthwaite")
  r <- r[r$Coef == e$term, ]
  out <- rbind(out, data.frame(group = e$group, outcome = e$outcome,
    estimate = unname(s["Estimate"]), holf_estimate = e$estimate,
    se = unname(s["Std. Error"]), holf_se = e$se,
    df = unname(s["df"]), holf_df = e$df,
    p = unname(s["Pr(>|t|)"]), holf_p = e$p,
    p_cr2 = r$p_Satt, holf_p_cr2 = e$p_cr2))
}
out$p_holm <- ave(out$p, out$group, FUN = function(p) p.adjust(p, "holm"))
out$holf_p_holm <- eff$p_holm
write.csv(out, "reproduced.csv", row.names = FALSE)
print(out, digits = 6)
`
