import { createRoot } from 'react-dom/client';
import { InterpreterPage } from './InterpreterPage';
import '../common/styles.css';

const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');
createRoot(document.getElementById('root') as HTMLElement).render(<InterpreterPage token={token} />);
