// What other features use of the requests: the dialog that files one, and an item's requests.
export { RequestDialog } from './RequestDialog';
export { ItemRequests } from './ItemRequests';
