-- Fidelity figures maintained for the national overview: a refresh
-- recomputes each office's numerators and denominators per month and
-- indicator version from the work itself (coordinators summed: an office's
-- own page counts its coordinators afresh) and replaces the offices' rows
-- in one transaction, so that a dashboard over 250 offices reads
-- aggregates instead of every meeting. fidelity_runs says when each office
-- was computed and through which day.
CREATE TABLE fidelity_cells (
    office_id   BIGINT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    month       TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    numerator   DOUBLE PRECISION NOT NULL,
    denominator DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (office_id, indicator, month)
);
CREATE INDEX fidelity_cells_month ON fidelity_cells (month, office_id);

CREATE TABLE fidelity_runs (
    office_id   BIGINT PRIMARY KEY REFERENCES offices (id) ON DELETE CASCADE,
    computed_at TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    month_from  TEXT NOT NULL,
    month_to    TEXT NOT NULL
);
