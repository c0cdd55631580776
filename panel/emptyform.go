package panel

import "net/http"

// emptyForm makes the GET handler of a settings page that lists the
// account's records above a form that adds one (users, API keys): the page
// shown by show with its form empty. The form's POST shows it again
// through the same show, with what was typed and its errors.
func emptyForm[P any](show func(http.ResponseWriter, *http.Request, *visitor, int, P)) func(http.ResponseWriter, *http.Request, *visitor) {
	return func(w http.ResponseWriter, r *http.Request, v *visitor) {
		var empty P
		show(w, r, v, http.StatusOK, empty)
	}
}
