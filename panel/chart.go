package panel

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// minuteCounts is one bar of the overview chart.
type minuteCounts struct {
	Minute                     time.Time
	Delivered, Failed, Skipped int
}

func (m minuteCounts) total() int { return m.Delivered + m.Failed + m.Skipped }

// chartColors are the chart's series colours; each has at least 3:1
// contrast against the white background and is named in the legend.
var chartColors = struct{ Delivered, Failed, Skipped string }{"#2f7d46", "#c0392b", "#a86b00"}

// lastHour buckets stats into the 60 minutes that end with now's minute.
func lastHour(stats []hookd.DeliveryStat, now time.Time) []minuteCounts {
	end := now.Truncate(time.Minute)
	start := end.Add(-59 * time.Minute)
	out := make([]minuteCounts, 60)
	for i := range out {
		out[i].Minute = start.Add(time.Duration(i) * time.Minute)
	}
	for _, s := range stats {
		i := int(s.Minute.Truncate(time.Minute).Sub(start) / time.Minute)
		if i < 0 || i >= len(out) {
			continue
		}
		switch s.Status {
		case hookd.StatusDelivered:
			out[i].Delivered += s.Count
		case hookd.StatusFailed:
			out[i].Failed += s.Count
		case hookd.StatusSkipped:
			out[i].Skipped += s.Count
		}
	}
	return out
}

// niceScale returns the top of the y axis and the step between grid lines
// for a largest value of max: steps are 1, 2 or 5 times a power of ten.
func niceScale(max int) (top, step int) {
	if max <= 4 {
		return 4, 1
	}
	raw := float64(max) / 4
	pow := 1
	for float64(pow)*10 <= raw {
		pow *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if float64(m*pow) >= raw {
			step = m * pow
			break
		}
	}
	top = (max + step - 1) / step * step
	return top, step
}

// deliveryChart draws deliveries per minute as stacked bars in SVG, on the
// server, so that the overview needs no script and nothing from elsewhere.
// Every bar has a <title> (a tooltip and a name for screen readers), and the
// page offers the same numbers as a table.
func deliveryChart(buckets []minuteCounts, loc *time.Location) template.HTML {
	const (
		w, hgt       = 720, 250
		left, right  = 60, 8
		top, bottom  = 30, 36
		plotW, plotH = w - left - right, hgt - top - bottom
	)
	max := 0
	var sum minuteCounts
	for _, b := range buckets {
		max = maxInt(max, b.total())
		sum.Delivered += b.Delivered
		sum.Failed += b.Failed
		sum.Skipped += b.Skipped
	}
	yTop, yStep := niceScale(max)
	var sb strings.Builder
	esc := template.HTMLEscapeString
	desc := fmt.Sprintf("Deliveries per minute over the last hour: %d delivered, %d failed, %d skipped.",
		sum.Delivered, sum.Failed, sum.Skipped)
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, w, hgt)
	fmt.Fprintf(&sb, `<title id="chart-title">Deliveries per minute, last hour</title><desc id="chart-desc">%s</desc>`, esc(desc))

	y := func(v int) float64 { return float64(top) + float64(plotH) - float64(v)*float64(plotH)/float64(yTop) }
	// Grid lines and y labels.
	for v := 0; v <= yTop; v += yStep {
		fmt.Fprintf(&sb, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&sb, `<text class="axis" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%d</text>`, left-6, y(v), v)
	}
	slot := float64(plotW) / float64(len(buckets))
	bw := slot * 0.78
	busiest := -1 // the bar whose count is written above it, readable without pointing
	for i, b := range buckets {
		if b.total() > 0 && (busiest < 0 || b.total() >= buckets[busiest].total()) {
			busiest = i
		}
	}
	for i, b := range buckets {
		x := float64(left) + float64(i)*slot + (slot-bw)/2
		if b.total() > 0 {
			label := fmt.Sprintf("%s: %d delivered, %d failed, %d skipped",
				b.Minute.In(loc).Format("15:04"), b.Delivered, b.Failed, b.Skipped)
			fmt.Fprintf(&sb, `<g><title>%s</title>`, esc(label))
			base := 0
			for _, s := range []struct {
				n     int
				color string
			}{{b.Delivered, chartColors.Delivered}, {b.Failed, chartColors.Failed}, {b.Skipped, chartColors.Skipped}} {
				if s.n == 0 {
					continue
				}
				y0, y1 := y(base), y(base+s.n)
				fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y1, bw, y0-y1, s.color)
				base += s.n
			}
			sb.WriteString(`</g>`)
			if i == busiest {
				anchor := "middle"
				switch {
				case i < 6:
					anchor = "start"
				case i > len(buckets)-7:
					anchor = "end"
				}
				fmt.Fprintf(&sb, `<text class="axis peak" x="%.1f" y="%.1f" text-anchor="%s">%d</text>`, x+bw/2, y(b.total())-6, anchor, b.total())
			}
		}
		if i%15 == 0 || i == len(buckets)-1 {
			anchor := "middle"
			if i == len(buckets)-1 {
				anchor = "end"
			}
			fmt.Fprintf(&sb, `<text class="axis" x="%.1f" y="%d" text-anchor="%s">%s</text>`,
				x+bw/2, hgt-8, anchor, b.Minute.In(loc).Format("15:04"))
		}
	}
	fmt.Fprintf(&sb, `<line class="baseline" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, w-right, y(0), y(0))
	if max == 0 {
		fmt.Fprintf(&sb, `<text class="empty" x="%d" y="%d" text-anchor="middle">No deliveries in the last hour</text>`,
			left+plotW/2, top+plotH/2)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
