// The steps every channel's guided set-up tour shares: open the wizard from the backend's form, press
// Next through it, close it.

export function openGuidedSetup(backend) {
    return [
        {
            content: "Open the backend",
            trigger: `.o_data_row td:contains('${backend}')`,
            run: "click",
        },
        {
            content: "Start the guided set-up",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_guided_setup']",
            run: "click",
        },
    ];
}

// Next does the current step. Only a step that worked moves the wizard on to `step` with what it did
// shown above, containing `done`; one that fails stays where it was with its error, and the tour stops.
export function nextStep(step, done) {
    return [
        {
            trigger: ".modal button[name='action_next']",
            run: "click",
        },
        {
            content: step,
            trigger: `.modal .o_statusbar_status .o_arrow_button_current:contains('${step}')`,
        },
        {
            trigger: `.modal .o_setup_previous:contains('${done}')`,
        },
    ];
}

export function closeGuidedSetup() {
    return [
        {
            content: "Every step is done",
            trigger: ".modal .o_data_row:contains('Flows on'):contains('Done')",
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The backend form says the set-up is done",
            trigger: "body:not(:has(.modal)) .o_notebook a:contains('Guided set-up')",
            run: "click",
        },
        {
            trigger: ".o_form_view div[name='setup_progress']:contains('Done')",
        },
    ];
}
