// Embedded instead of uPlot when the build found no src/dashboards/web/node_modules/uplot:
// panels then say to run scripts/setup.sh (app.js checks for window.uPlot).
window.uPlot = undefined;
