"""The app's panes. Each draws data it is given (a trace, gradients, numbers); none computes model math."""
