// What other features use of the labels: the print dialog.
export { PrintLabelsDialog, type LabelTarget } from './PrintLabelsDialog';
