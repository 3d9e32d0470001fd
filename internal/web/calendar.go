package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

// A coordinator's meetings as an iCalendar feed (RFC 5545) behind a secret
// URL: a calendar app on the phone or in Outlook subscribes to it. Event
// titles name the meeting's kind and the family's label only: no member,
// no place, no text from the FGE form leaves HOLF this way.

type calendarPage struct {
	Page
	HasFeed bool
	Since   time.Time
	URL     string // shown once, right after a new secret is made
}

func (s *Server) calendarShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	ok, since, err := s.app.Calendar.FeedStatus(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := calendarPage{Page: s.page(r, rq, "calendar.title"), HasFeed: ok, Since: since}
	if key := r.URL.Query().Get("shown"); key != "" {
		if u, ok := s.once.take(rq.actor.PersonID, key); ok {
			p.URL, p.Notice = u, p.T("calendar.renewed")
		} else {
			p.Notice = p.T("calendar.shown_gone")
		}
	}
	return s.render(w, http.StatusOK, "calendar", &p)
}

func (s *Server) calendarRenew(w http.ResponseWriter, r *http.Request, rq *req) error {
	secret, err := s.app.Calendar.Renew(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	key := s.once.put(rq.actor.PersonID, s.publicURL(r)+"/calendar/"+secret+".ics")
	http.Redirect(w, r, "/calendar?shown="+key, http.StatusSeeOther)
	return nil
}

func (s *Server) calendarRevoke(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := s.app.Calendar.Revoke(r.Context(), rq.actor); err != nil {
		return err
	}
	http.Redirect(w, r, "/calendar?notice=saved", http.StatusSeeOther)
	return nil
}

// calendarFeed serves the feed of the secret in the path.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request, rq *req) error {
	secret := strings.TrimSuffix(r.PathValue("secret"), ".ics")
	if len(secret) < 20 {
		return holf.NotFound("calendar feed", "")
	}
	feed, err := s.app.Calendar.Feed(r.Context(), secret)
	if err != nil {
		return err
	}
	lang := "nb"
	var b strings.Builder
	ics := func(line string) { b.WriteString(foldICS(line)) }
	ics("BEGIN:VCALENDAR")
	ics("VERSION:2.0")
	ics("PRODID:-//HOLF//HOLF meetings//NB")
	ics("CALSCALE:GREGORIAN")
	ics("METHOD:PUBLISH")
	ics("X-WR-CALNAME:" + escICS("HOLF – "+feed.Owner.Name))
	ics("X-PUBLISHED-TTL:PT1H")
	stamp := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	for _, m := range feed.Meetings {
		ics("BEGIN:VEVENT")
		ics(fmt.Sprintf("UID:meeting-%d@holf", m.ID))
		ics("DTSTAMP:" + stamp(m.UpdatedAt))
		ics("DTSTART:" + stamp(m.StartsAt))
		ics("DTEND:" + stamp(m.End()))
		ics(fmt.Sprintf("SEQUENCE:%d", m.Version))
		ics("SUMMARY:" + escICS(s.cat.T(lang, "meeting.kind."+string(m.Kind))+" – "+feed.Families[m.FamilyID]))
		ics("LOCATION:" + escICS(s.cat.T(lang, "channel."+string(m.Channel))))
		switch m.Status {
		case holf.MeetingCancelled, holf.MeetingPostponed, holf.MeetingMissed:
			ics("STATUS:CANCELLED")
		default:
			ics("STATUS:CONFIRMED")
		}
		ics("CLASS:PRIVATE")
		ics("END:VEVENT")
	}
	ics("END:VCALENDAR")
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, err = w.Write([]byte(b.String())) // #nosec G705 -- text/calendar with every text escaped by escICS
	return err
}

// escICS escapes a TEXT value (RFC 5545, 3.3.11).
func escICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldICS ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character (RFC 5545, 3.1).
func foldICS(line string) string {
	var b strings.Builder
	n := 0
	for _, r := range line {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}
