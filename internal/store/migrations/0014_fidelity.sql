-- Fidelity figures maintained for the national overview: a refresh
-- recomputes each office's numerators and denominators per coordinator,
-- month and indicator version from the work itself and replaces the
-- office's rows in one transaction, so that a dashboard over 250 offices
-- reads aggregates instead of every meeting. coordinator_id 0 is an
-- office-level figure. fidelity_runs says when each office was computed
-- and through which day.
CREATE TABLE fidelity_cells (
    office_id      BIGINT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    coordinator_id BIGINT NOT NULL,
    month          TEXT NOT NULL,
    indicator      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    numerator      DOUBLE PRECISION NOT NULL,
    denominator    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (office_id, indicator, month, coordinator_id)
);
CREATE INDEX fidelity_cells_month ON fidelity_cells (month, office_id);

CREATE TABLE fidelity_runs (
    office_id   BIGINT PRIMARY KEY REFERENCES offices (id) ON DELETE CASCADE,
    computed_at TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    month_from  TEXT NOT NULL,
    month_to    TEXT NOT NULL
);
